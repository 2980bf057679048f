/**
 * The baseline of the gateway benchmark: a stock @apollo/gateway + @apollo/server (standalone,
 * default options) on the same supergraph and subgraphs. Its one addition is forwarding the
 * caller's signed identity, without which our subgraphs answer nothing: each subgraph accepts
 * only a token signed for it, so the client sends one per subgraph (x-fedplat-identity-<name>).
 * Env: PORT, SUPERGRAPH_PATH, SUBGRAPH_URLS (JSON: subgraph name -> URL).
 */
import { readFileSync } from "node:fs";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { IDENTITY_HEADER } from "@fedplat/auth";

interface Context {
  headers: Record<string, string | string[] | undefined>;
}

const urls = JSON.parse(process.env.SUBGRAPH_URLS ?? "{}") as Record<string, string>;
// A stock gateway refuses a supergraph whose authorization links are `for: SECURITY` (it does not
// enforce them; ours does, docs/authorization.md): the baseline gets them as plain links, and
// leaves authorization to the subgraphs' own rules.
const supergraphSdl = readFileSync(process.env.SUPERGRAPH_PATH ?? "supergraph.graphql", "utf8").replace(
  /(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes|policy)\/v[\d.]+"), for: SECURITY\)/g,
  "$1)",
);
const gateway = new ApolloGateway({
  supergraphSdl,
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource<Context>({
      url: urls[name] ?? url,
      willSendRequest: ({ request, context }) => {
        const identity = context.headers?.[`${IDENTITY_HEADER}-${name}`];
        if (typeof identity === "string") request.http?.headers.set(IDENTITY_HEADER, identity);
      },
    }),
});
const server = new ApolloServer<Context>({ gateway });
startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT), host: "127.0.0.1" },
  context: async ({ req }) => ({ headers: req.headers }),
}).then(({ url }) => console.log(`stock gateway ready at ${url}`));
