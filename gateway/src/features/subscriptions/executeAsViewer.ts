import { randomUUID } from "node:crypto";
import type { ApolloServer } from "@apollo/server";
import type { Viewer } from "@fedplat/auth";
import { type ExecutionResult, GraphQLError } from "graphql";
import type { GatewayContext } from "../../context";

/** Runs one query through the gateway as `viewer`. */
export type ExecuteAsViewer = (
  query: string,
  variables: Record<string, unknown>,
  viewer: Viewer,
) => Promise<ExecutionResult>;

/**
 * The gateway's own request pipeline (validation, limits, query planning, subgraph fetches with
 * the viewer's signed identity), without HTTP: what a query from that viewer gets right now.
 */
export function executeAsViewer(apollo: ApolloServer<GatewayContext>): ExecuteAsViewer {
  return async (query, variables, viewer) => {
    const requestId = randomUUID();
    const response = await apollo.executeOperation(
      { query, variables },
      { contextValue: { requestId, viewer, subgraphHeaders: { "x-request-id": requestId } } },
    );
    if (response.body.kind !== "single")
      return {
        errors: [
          new GraphQLError("Incremental delivery is not supported in subscriptions", {
            extensions: { code: "BAD_REQUEST" },
          }),
        ],
      };
    const { data, errors } = response.body.singleResult;
    // Apollo hands back formatted (plain) errors; graphql-ws sends GraphQLError instances.
    return {
      data: data as ExecutionResult["data"],
      ...(errors
        ? {
            errors: errors.map(
              (error) => new GraphQLError(error.message, { path: error.path, extensions: error.extensions }),
            ),
          }
        : {}),
    };
  };
}
