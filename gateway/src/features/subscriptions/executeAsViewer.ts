import { randomUUID } from "node:crypto";
import type { ApolloServer } from "@apollo/server";
import { trackViewerReads, VIEWER_DEPENDENCE_HEADER, type Viewer, type ViewerDependence } from "@fedplat/auth";
import { type GraphQLFormattedError, GraphQLError } from "graphql";
import type { GatewayContext } from "../../context";
import { DeferredEvent, type EventPayload, type EventResult, type LaterPart } from "./deferredEvent";

/** One execution's result, and whether it would be the same for every viewer of the viewer's class. */
export interface ViewerExecution {
  result: EventResult;
  /**
   * "role" only when at least one subgraph answered, every subgraph answer said "role", and
   * nothing in the gateway (its plugins, @policy deciders) read the viewer's id; else "identity".
   * An event in parts is "identity": its deferred fetches run after this is decided.
   */
  dependence: ViewerDependence;
}

/**
 * Runs one query through the gateway as `viewer`. With `incremental`, deferred fragments come as
 * later parts (a DeferredEvent) when the plan defers any; otherwise `@defer` is ignored.
 */
export type ExecuteAsViewer = (
  query: string,
  variables: Record<string, unknown>,
  viewer: Viewer,
  incremental?: boolean,
) => Promise<ViewerExecution>;

// Apollo hands back formatted (plain) errors; graphql-ws sends a result's errors as GraphQLError instances.
const asGraphQLErrors = (errors: readonly GraphQLFormattedError[] | undefined) =>
  errors
    ? {
        errors: errors.map(
          (error) => new GraphQLError(error.message, { path: error.path, extensions: error.extensions }),
        ),
      }
    : {};

/**
 * The gateway's own request pipeline (validation, limits, query planning, subgraph fetches with
 * the viewer's signed identity), without HTTP: what a query from that viewer gets right now, and
 * whether that depended on who the viewer is (docs/subscriptions.md, "Sharing between viewers").
 */
export function executeAsViewer(apollo: ApolloServer<GatewayContext>): ExecuteAsViewer {
  return async (query, variables, viewer, incremental = false) => {
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
          ...(incremental ? { incrementalDelivery: true } : {}),
        },
      },
    );
    if (response.body.kind === "single") {
      const { data, errors } = response.body.singleResult;
      const dependence: ViewerDependence =
        viewerDependence.fetches > 0 &&
        viewerDependence.roleAnswers === viewerDependence.fetches &&
        !tracked.identityRead()
          ? "role"
          : "identity";
      return { result: { data: data as EventPayload["data"], ...asGraphQLErrors(errors) }, dependence };
    }
    // Later parts keep Apollo's formatted errors (inside `incremental`, where graphql-ws does not look).
    const { initialResult, subsequentResults } = response.body;
    const initial: EventPayload = {
      data: initialResult.data as EventPayload["data"],
      ...asGraphQLErrors(initialResult.errors),
      hasNext: initialResult.hasNext,
    };
    // The patched executor speaks deferSpec=20220824 (Apollo's "alpha2") only.
    return {
      result: new DeferredEvent(initial, subsequentResults as AsyncIterable<LaterPart>),
      dependence: "identity",
    };
  };
}
