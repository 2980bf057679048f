import { createHash } from "node:crypto";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { createGraphQLClient, GraphQLRequestError, TypedDocumentString } from "../src";

/** A real Apollo Server (its own APQ implementation, in memory) that the wrapper must speak to. */
const typeDefs = /* GraphQL */ `
  type Query { greeting(name: String!): String! }
  type Mutation { shout(text: String!): String! }
`;
const resolvers = {
  Query: { greeting: (_: unknown, { name }: { name: string }) => `Hello ${name}` },
  Mutation: { shout: (_: unknown, { text }: { text: string }) => text.toUpperCase() },
};

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
// As codegen writes them: the manifest holds the normalized text, the document its own formatting.
const GREETING_MANIFEST_TEXT = /* GraphQL */ "query Greeting($name: String!) { greeting(name: $name) }";
const SHOUT_MANIFEST_TEXT = /* GraphQL */ "mutation Shout($text: String!) { shout(text: $text) }";
const Greeting = new TypedDocumentString<{ greeting: string }, { name: string }>(
  /* GraphQL */ "\n  query Greeting($name: String!) {\n  greeting(name: $name)\n}",
  { hash: `sha256:${sha256(GREETING_MANIFEST_TEXT)}` },
);
const Shout = new TypedDocumentString<{ shout: string }, { text: string }>(
  /* GraphQL */ "mutation Shout($text: String!) {\n  shout(text: $text)\n}",
  { hash: `sha256:${sha256(SHOUT_MANIFEST_TEXT)}` },
);
const manifest = {
  [`sha256:${sha256(GREETING_MANIFEST_TEXT)}`]: GREETING_MANIFEST_TEXT,
  [`sha256:${sha256(SHOUT_MANIFEST_TEXT)}`]: SHOUT_MANIFEST_TEXT,
};

let server: ApolloServer;
let url: string;
const sent: Array<{ method: string; query?: string; hash?: string }> = [];

/** Node's fetch, recording what went on the wire. */
const recordingFetch: typeof fetch = async (input, init) => {
  const target = new URL(String(input));
  const body = init?.body
    ? (JSON.parse(String(init.body)) as { query?: string; extensions?: { persistedQuery?: { sha256Hash?: string } } })
    : undefined;
  const extensions = body?.extensions ?? JSON.parse(target.searchParams.get("extensions") ?? "null");
  sent.push({
    method: init?.method ?? "GET",
    query: body?.query ?? target.searchParams.get("query") ?? undefined,
    hash: extensions?.persistedQuery?.sha256Hash,
  });
  return fetch(input, init);
};

beforeAll(async () => {
  server = new ApolloServer({ typeDefs, resolvers });
  ({ url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" } }));
});
afterAll(() => server?.stop());
beforeEach(() => void sent.splice(0));

describe("the fetch wrapper (APQ)", () => {
  it("sends a query's id alone over GET, registers the manifest text once when asked, then sends the id alone", async () => {
    const client = createGraphQLClient({ url, persistedDocuments: manifest, fetch: recordingFetch });
    expect(await client.request(Greeting, { name: "Ada" })).toEqual({ greeting: "Hello Ada" });
    expect(sent).toEqual([
      { method: "GET", query: undefined, hash: sha256(GREETING_MANIFEST_TEXT) },
      { method: "POST", query: GREETING_MANIFEST_TEXT, hash: sha256(GREETING_MANIFEST_TEXT) },
    ]);
    sent.splice(0);
    expect(await client.request(Greeting, { name: "Grace" })).toEqual({ greeting: "Hello Grace" });
    expect(sent).toEqual([{ method: "GET", query: undefined, hash: sha256(GREETING_MANIFEST_TEXT) }]);
  });

  it("sends mutations by POST", async () => {
    const client = createGraphQLClient({ url, persistedDocuments: manifest, fetch: recordingFetch });
    expect(await client.request(Shout, { text: "hi" })).toEqual({ shout: "HI" });
    expect(sent.every((request) => request.method === "POST")).toBe(true);
  });

  it("without the manifest, falls back to the document's own text, unpersisted", async () => {
    const client = createGraphQLClient({ url, fetch: recordingFetch });
    const other = new TypedDocumentString<{ greeting: string }, { name: string }>(
      /* GraphQL */ "query Other($name: String!) { greeting(name: $name) }",
      {
        hash: `sha256:${sha256(/* GraphQL */ "query Other($name: String!) { greeting(name: $name) } # not registered")}`,
      },
    );
    expect(await client.request(other, { name: "Lin" })).toEqual({ greeting: "Hello Lin" });
    expect(sent.at(-1)).toEqual({
      method: "POST",
      query: /* GraphQL */ "query Other($name: String!) { greeting(name: $name) }",
      hash: undefined,
    });
  });

  it("rejects with a GraphQLRequestError carrying the server's code", async () => {
    const client = createGraphQLClient({ url, mode: "query" });
    const broken = new TypedDocumentString<{ greeting: string }, { name: string }>(
      /* GraphQL */ "query Broken($name: String!) { greeting(nome: $name) }",
    );
    const failure = client.request(broken, { name: "x" });
    await expect(failure).rejects.toBeInstanceOf(GraphQLRequestError);
    await expect(failure).rejects.toMatchObject({ code: "GRAPHQL_VALIDATION_FAILED", status: 400 });
  });
});
