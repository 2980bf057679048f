import { buildSchema, parse, print } from "graphql";
import { authorizeOperation } from "../../src/features/authorization/authorizeOperation";
import { nullRemovedFields } from "../../src/features/authorization/nullRemovedFields";
import { readRequirements } from "../../src/features/authorization/requirements";

/*
 * The rewrite and the nulls on their own, in-process: which fields go, what the planner gets,
 * and where nulls land (spec 6.4.4) for shapes the five services do not have (unions, lists of
 * nullable items, renamed directives).
 */

const SUPERGRAPH = /* GraphQL */ `
  schema
    @link(url: "https://specs.apollo.dev/link/v1.0")
    @link(url: "https://specs.apollo.dev/authenticated/v0.1", as: "signedIn", for: SECURITY)
    @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
  { query: Query }
  directive @signedIn on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  directive @link(url: String, as: String, for: String, import: [String]) repeatable on SCHEMA
  type Query { feed: [Item]! search: [Result!] }
  type Item { id: ID! secret: String! @signedIn note: String @requiresScopes(scopes: [["notes"]]) }
  type Post { id: ID! title: String }
  type Draft { id: ID! body: String! @signedIn }
  union Result = Post | Draft
`;
const schema = buildSchema(SUPERGRAPH, { assumeValidSDL: true });
const requirements = readRequirements(SUPERGRAPH);
const denyAll = () => false;

describe("authorizeOperation and nullRemovedFields", () => {
  it("reads the directives under the names the supergraph's links give them", () => {
    expect([...requirements.keys()].sort()).toEqual(["Draft.body", "Item.note", "Item.secret"]);
  });

  it("leaves a document untouched when nothing is refused", () => {
    const document = parse("{ feed { id secret } }");
    expect(authorizeOperation(schema, requirements, document, undefined, () => true)).toBeUndefined();
  });

  it("nulls a non-null field's item in a list of nullable items, and a nullable field in place", () => {
    const result = authorizeOperation(schema, requirements, parse("{ feed { id secret note } }"), undefined, denyAll);
    expect(print(result?.document ?? parse("{ x }"))).toBe(print(parse("{ feed { id } }")));
    expect(result?.removed.map((field) => field.errorPath)).toEqual([
      ["feed", "@", "secret"],
      ["feed", "@", "note"],
    ]);
    const data = { feed: [{ id: "1" }, null, { id: "3" }] };
    expect(nullRemovedFields(data, result?.removed ?? [])).toEqual({ feed: [null, null, null] });
  });

  it("applies a field under a type condition only to objects of that type, dropping a fragment left empty", () => {
    const document = parse("{ search { __typename ... on Post { title } ... on Draft { body } } }");
    const result = authorizeOperation(schema, requirements, document, undefined, denyAll);
    expect(print(result?.document ?? parse("{ x }"))).toBe(
      print(parse("{ search { __typename ... on Post { title } } }")),
    );
    const data = { search: [{ __typename: "Post", title: "t" }, { __typename: "Draft" }] };
    // Draft.body is non-null, search's items too: the list itself becomes null (search is nullable).
    expect(nullRemovedFields(data, result?.removed ?? [])).toEqual({ search: null });
    const posts = { search: [{ __typename: "Post", title: "t" }] };
    expect(nullRemovedFields(posts, result?.removed ?? [])).toEqual(posts);
  });

  it("asks for __typename where a removal depends on the type, and takes it out of the response again", () => {
    const document = parse("{ search { ... on Post { title } ... on Draft { id body } } }");
    const result = authorizeOperation(schema, requirements, document, undefined, denyAll);
    expect(print(result?.document ?? parse("{ x }"))).toBe(
      print(parse("{ search { ... on Post { title } ... on Draft { id } __typename } }")),
    );
    const data = { search: [{ __typename: "Post", title: "t" }] };
    expect(nullRemovedFields(data, result?.removed ?? [], result?.addedTypenames)).toEqual({
      search: [{ title: "t" }],
    });
  });

  it("removes a field whose selections were all refused, without an error of its own, and leaves nothing to fetch", () => {
    const result = authorizeOperation(schema, requirements, parse("{ feed { secret } }"), undefined, denyAll);
    expect(result?.document).toBeUndefined();
    expect(result?.removed.map((field) => [field.errorPath, field.coordinate])).toEqual([
      [["feed", "@", "secret"], "Item.secret"],
      [undefined, undefined],
    ]);
    // feed is non-null: with nothing fetched, data itself is null.
    expect(nullRemovedFields({}, result?.removed ?? [])).toBeNull();
  });
});
