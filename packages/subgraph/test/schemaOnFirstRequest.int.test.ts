import { gatewayHeaders, graphqlRequest, TEST_IDENTITY_TRUST } from "@fedplat/devkit";
import { createLogger, createMetrics } from "@fedplat/runtime";
import { parse } from "graphql";
import { allow, buildSubgraphServer, type SubgraphSchema, type SubgraphServer } from "../src";

const SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
  type Query {
    hello: String
  }
`;

function schema(): SubgraphSchema<never> {
  return {
    typeDefs: parse(SDL),
    resolvers: { Query: { hello: () => "world" } },
    permissions: { Query: allow },
    context: (base) => base as never,
  };
}

describe("buildSubgraphServer with schemaOnFirstRequest", () => {
  let server: SubgraphServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(load: () => Promise<SubgraphSchema<never>>): Promise<string> {
    server = await buildSubgraphServer({
      name: "lazy",
      schemaOnFirstRequest: load,
      readiness: {},
      metrics: createMetrics("lazy"),
      logger: createLogger("lazy", "silent"),
      identityTrust: TEST_IDENTITY_TRUST,
    });
    return `http://127.0.0.1:${await server.listen(0, "127.0.0.1")}`;
  }

  it("answers health before loading the schema, then loads it once for concurrent first requests", async () => {
    const load = jest.fn(async () => schema());
    const base = await start(load);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    expect(load).not.toHaveBeenCalled();

    const headers = await gatewayHeaders(null, "lazy");
    const answers = await Promise.all(
      [1, 2, 3].map(() => graphqlRequest<{ hello: string }>(`${base}/graphql`, "{ hello }", {}, headers)),
    );
    expect(answers.map((answer) => answer.data?.hello)).toEqual(["world", "world", "world"]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("fails a request whose schema did not load and loads it again for the next one", async () => {
    const load = jest
      .fn()
      .mockRejectedValueOnce(new Error("not yet"))
      .mockImplementation(async () => schema());
    const base = await start(load);
    const headers = await gatewayHeaders(null, "lazy");

    expect((await graphqlRequest(`${base}/graphql`, "{ hello }", {}, headers)).status).toBe(500);
    const retried = await graphqlRequest<{ hello: string }>(`${base}/graphql`, "{ hello }", {}, headers);
    expect(retried.data?.hello).toBe("world");
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("closes a server whose schema was never loaded", async () => {
    const load = jest.fn(async () => schema());
    await start(load);
    await server?.close();
    expect(server?.httpServer.listening).toBe(false);
    expect(load).not.toHaveBeenCalled();
    server = undefined;
  });
});
