import { ApolloServer, type GraphQLResponse, HeaderMap } from "@apollo/server";
import type { GatewayContext } from "../../src/context";
import type { GatewayFeature } from "../../src/feature";

/** A small local schema: a nested list for depth and cost, a credential mutation, a cache hint. */
const typeDefs = /* GraphQL */ `
  enum CacheControlScope { PUBLIC PRIVATE }
  directive @cacheControl(maxAge: Int, scope: CacheControlScope) on FIELD_DEFINITION | OBJECT
  type Node { id: ID! child: Node }
  type Query { node: Node, hello: String @cacheControl(maxAge: 60, scope: PUBLIC), mine: String @cacheControl(maxAge: 60, scope: PRIVATE) }
  type Mutation { login(email: String!): Boolean! rename(name: String!): Boolean! }
`;

/**
 * An Apollo Server with the features' plugins and validation rules, as the builder registers
 * them, on a local schema: operations run in-process through executeOperation.
 */
export async function startApollo(features: readonly GatewayFeature[], counts: { hello: number } = { hello: 0 }) {
  const apollo = new ApolloServer<GatewayContext>({
    typeDefs,
    resolvers: {
      Query: {
        node: () => ({ id: "1", child: { id: "2", child: null } }),
        hello: () => `hello ${++counts.hello}`,
        mine: () => "mine",
      },
      Mutation: { login: () => true, rename: () => true },
    },
    validationRules: features.flatMap((feature) => feature.validationRules ?? []),
    plugins: features.flatMap((feature) => feature.apolloPlugins ?? []),
  });
  await apollo.start();
  return {
    apollo,
    counts,
    /** Runs one operation as if it came over HTTP (`overHttp`) or from inside the gateway. */
    run: async (
      query: string,
      context: Partial<GatewayContext> = {},
      options: { operationName?: string; overHttp?: boolean } = {},
    ): Promise<GraphQLResponse> =>
      apollo.executeOperation(
        {
          query,
          ...(options.operationName ? { operationName: options.operationName } : {}),
          ...(options.overHttp === false
            ? {}
            : { http: { method: "POST", headers: new HeaderMap(), search: "", body: undefined } }),
        },
        { contextValue: { requestId: "r-1", viewer: null, subgraphHeaders: {}, clientIp: "203.0.113.9", ...context } },
      ),
  };
}

export const singleResult = (response: GraphQLResponse) => {
  if (response.body.kind !== "single") throw new Error("expected a single result");
  return response.body.singleResult;
};
