import { randomUUID } from "node:crypto";
import type { ApolloServer } from "@apollo/server";
import type { Viewer } from "@fedplat/auth";
import { type GraphQLFormattedError, GraphQLError } from "graphql";
import type { GatewayContext } from "../../context";
import { DeferredEvent, type EventPayload, type EventResult, type LaterPart } from "./deferredEvent";

/**
 * Runs one query through the gateway as `viewer`. With `incremental`, deferred fragments come as
 * later parts (a DeferredEvent) when the plan defers any; otherwise `@defer` is ignored.
 */
export type ExecuteAsViewer = (
  query: string,
  variables: Record<string, unknown>,
  viewer: Viewer,
  incremental?: boolean,
) => Promise<EventResult>;

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
 * the viewer's signed identity), without HTTP: what a query from that viewer gets right now.
 */
export function executeAsViewer(apollo: ApolloServer<GatewayContext>): ExecuteAsViewer {
  return async (query, variables, viewer, incremental = false) => {
    const requestId = randomUUID();
    const response = await apollo.executeOperation(
      { query, variables },
      {
        contextValue: {
          requestId,
          viewer,
          subgraphHeaders: { "x-request-id": requestId },
          ...(incremental ? { incrementalDelivery: true } : {}),
        },
      },
    );
    if (response.body.kind === "single") {
      const { data, errors } = response.body.singleResult;
      return { data: data as EventPayload["data"], ...asGraphQLErrors(errors) };
    }
    // Later parts keep Apollo's formatted errors (inside `incremental`, where graphql-ws does not look).
    const { initialResult, subsequentResults } = response.body;
    const initial: EventPayload = {
      data: initialResult.data as EventPayload["data"],
      ...asGraphQLErrors(initialResult.errors),
      hasNext: initialResult.hasNext,
    };
    // The patched executor speaks deferSpec=20220824 (Apollo's "alpha2") only.
    return new DeferredEvent(initial, subsequentResults as AsyncIterable<LaterPart>);
  };
}
