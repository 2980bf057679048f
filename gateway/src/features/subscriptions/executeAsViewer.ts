import { randomUUID } from "node:crypto";
import type { ApolloServer } from "@apollo/server";
import { trackViewerReads, VIEWER_DEPENDENCE_HEADER, type Viewer, type ViewerDependence } from "@fedplat/auth";
import { type ExecutionResult, GraphQLError } from "graphql";
import type { GatewayContext } from "../../context";

/** One execution's result, and whether it would be the same for every viewer of the viewer's class. */
export interface ViewerExecution {
  result: ExecutionResult;
  /**
   * "role" only when at least one subgraph answered, every subgraph answer said "role", and
   * nothing in the gateway (its plugins, @policy deciders) read the viewer's id; else "identity".
   */
  dependence: ViewerDependence;
}

/** Runs one query through the gateway as `viewer`. */
export type ExecuteAsViewer = (
  query: string,
  variables: Record<string, unknown>,
  viewer: Viewer,
) => Promise<ViewerExecution>;

/**
 * The gateway's own request pipeline (validation, limits, query planning, subgraph fetches with
 * the viewer's signed identity), without HTTP: what a query from that viewer gets right now, and
 * whether that depended on who the viewer is (docs/subscriptions.md, "Sharing between viewers").
 */
export function executeAsViewer(apollo: ApolloServer<GatewayContext>): ExecuteAsViewer {
  return async (query, variables, viewer) => {
    const requestId = randomUUID();
    // The gateway's own reads of the viewer count like a subgraph's (a @policy decider may read its id);
    // the identity feature signs the viewer behind the proxy (untrackedViewer).
    const tracked = trackViewerReads(viewer);
    const viewerDependence = { fetches: 0, roleAnswers: 0 };
    const response = await apollo.executeOperation(
      { query, variables },
      {
        contextValue: {
          requestId,
          viewer: tracked.viewer,
          subgraphHeaders: { "x-request-id": requestId, [VIEWER_DEPENDENCE_HEADER]: "1" },
          viewerDependence,
        },
      },
    );
    const dependence: ViewerDependence =
      viewerDependence.fetches > 0 &&
      viewerDependence.roleAnswers === viewerDependence.fetches &&
      !tracked.identityRead()
        ? "role"
        : "identity";
    if (response.body.kind !== "single")
      return {
        result: {
          errors: [
            new GraphQLError("Incremental delivery is not supported in subscriptions", {
              extensions: { code: "BAD_REQUEST" },
            }),
          ],
        },
        dependence: "identity",
      };
    const { data, errors } = response.body.singleResult;
    // Apollo hands back formatted (plain) errors; graphql-ws sends GraphQLError instances.
    return {
      result: {
        data: data as ExecutionResult["data"],
        ...(errors
          ? {
              errors: errors.map(
                (error) => new GraphQLError(error.message, { path: error.path, extensions: error.extensions }),
              ),
            }
          : {}),
      },
      dependence,
    };
  };
}
