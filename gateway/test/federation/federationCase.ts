import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { composeServices } from "@apollo/composition";
import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper/resolverMap";
import { graphqlRequest, type GraphQLResponse, TEST_GATEWAY_KEY, TEST_JWT_SECRET } from "@fedplat/devkit";
import { createLogger, createRedis, type Redis } from "@fedplat/runtime";
import { graphql, type GraphQLSchema, parse } from "graphql";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayOptions, type GatewayServer } from "../../src";

/**
 * A federation case as the public Federation Gateway Audit states them: a few small in-process
 * subgraphs, composed with @apollo/composition and served through this project's gateway, so a
 * test asserts what a client gets (docs/federation-audit.md).
 */
export interface CaseSubgraph {
  name: string;
  typeDefs: string;
  resolvers: GraphQLResolverMap<unknown>;
}

export interface FederationCase {
  query(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse>;
  stop(): Promise<void>;
}

/** Serves a subgraph schema over HTTP: a POSTed JSON operation in, a JSON result out. */
async function serveSubgraph(schema: GraphQLSchema): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const { query, variables } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const result = await graphql({ schema, source: query, variableValues: variables });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(result));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

/** Starts the subgraphs and a gateway on their supergraph; `options` adds gateway options (e.g. a feature's config). */
export async function startFederationCase(
  subgraphs: CaseSubgraph[],
  options: Partial<GatewayOptions> = {},
): Promise<FederationCase> {
  const served = await Promise.all(
    subgraphs.map(async (subgraph) => ({
      ...subgraph,
      ...(await serveSubgraph(
        buildSubgraphSchema({ typeDefs: parse(subgraph.typeDefs), resolvers: subgraph.resolvers }),
      )),
    })),
  );
  const composed = composeServices(served.map(({ name, typeDefs, url }) => ({ name, url, typeDefs: parse(typeDefs) })));
  if (!composed.supergraphSdl) {
    throw new Error(`composition failed: ${composed.errors?.map((e) => e.message).join("; ")}`);
  }
  const redis: Redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "federation-case");
  const gateway: GatewayServer = await buildGateway({
    supergraphSdl: composed.supergraphSdl,
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    subscriptions: { channel: `test:live:${randomUUID()}` },
    logger: createLogger("federation-case", "silent"),
    ...options,
  });
  const port = await gateway.listen(0, "127.0.0.1");
  const url = `http://127.0.0.1:${port}/graphql`;
  return {
    query: (query, variables, headers) => graphqlRequest(url, query, variables, headers),
    stop: async () => {
      await gateway.close();
      await Promise.all(served.map(({ server }) => new Promise((resolve) => server.close(resolve))));
      await redis.quit();
    },
  };
}
