import { type FederationCase, startFederationCase } from "./federationCase";

/*
 * Audit case non-resolvable-interface-object #1. `Node.label` lives only in `labels`, whose
 * @interfaceObject key is not resolvable, and `Node` has no implementation anywhere: from
 * `directory`'s `node` there is no way to reach `label`. Stock @apollo/query-planner 2.14 plans
 * nothing and answers `{ node: null }` as if all went well; the operation cannot be planned and
 * must fail. Fixed by patches/@apollo+query-graphs.
 */
let federation: FederationCase;

beforeAll(async () => {
  federation = await startFederationCase([
    {
      name: "directory",
      typeDefs: /* GraphQL */ `
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
        interface Node @key(fields: "id") {
          id: ID!
        }
        type Query {
          node: Node
        }
      `,
      resolvers: { Query: { node: () => ({ __typename: "Node", id: "n1" }) } },
    },
    {
      name: "labels",
      typeDefs: /* GraphQL */ `
        extend schema
          @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject"])
        type Node @key(fields: "id", resolvable: false) @interfaceObject {
          id: ID!
          label: String
        }
        type Query {
          labelled: Node
        }
      `,
      resolvers: {
        Query: { labelled: () => ({ id: "n1" }) },
        Node: { label: () => "from labels" },
      },
    },
  ]);
});

afterAll(async () => {
  await federation?.stop();
});

test("a field no path can reach fails the operation instead of answering null", async () => {
  const response = await federation.query("{ node { label } }");
  // The planner refuses the operation: no data at all, the request fails as a whole.
  expect(response.status).toBe(500);
  expect(response.data ?? null).toBeNull();
  expect(response.errors).toEqual([
    expect.objectContaining({
      message: expect.stringContaining("find any options for label"),
      extensions: expect.objectContaining({ code: "INTERNAL_SERVER_ERROR" }),
    }),
  ]);
});

test("the same field through the subgraph that owns it is answered", async () => {
  const response = await federation.query("{ labelled { id label } }");
  expect(response.errors).toBeUndefined();
  expect(response.data).toEqual({ labelled: { id: "n1", label: "from labels" } });
});
