import type { ApolloGateway } from "@apollo/gateway";
import type { ApolloServer, ApolloServerOptions, ApolloServerPlugin } from "@apollo/server";
import type http from "node:http";
import type { RequestHandler } from "express";
import type { GraphQLSchema, ValidationRule } from "graphql";
import type { GatewayContext } from "./context";
import type { SubgraphFetch } from "./transport/subgraphRequest";

/**
 * Plans an operation of a document and caches the plan for requests to come (patches/@apollo+gateway);
 * false when it was cached already. Throws when the document does not plan on the current supergraph.
 */
export type PrewarmQueryPlan = (document: string, operationName: string | undefined) => Promise<boolean>;

/** What a feature may use once Apollo has started (the supergraph is loaded and planned). */
export interface StartedGateway {
  apollo: ApolloServer<GatewayContext>;
  /** The API schema: what clients may select. */
  apiSchema: GraphQLSchema;
  /** The supergraph it was built from (join and composed directives such as `@live` included). */
  supergraphSdl: string;
  httpServer: http.Server;
  /** Every feature's validation rules, for transports other than HTTP (graphql-ws). */
  validationRules: readonly ValidationRule[];
  prewarmQueryPlan: PrewarmQueryPlan;
}

/** What runs an operation once Apollo has validated it: plans it and executes the plan (@apollo/gateway's executor). */
export type GatewayExecutor = NonNullable<Awaited<ReturnType<ApolloGateway["load"]>>["executor"]>;

/**
 * One gateway capability. The builder (server.ts) folds an ordered list of these: middleware runs
 * in list order before Apollo, plugins are registered in list order, and subgraph-fetch wrappers
 * nest with the first feature outermost. Per-request state passes through requestState.ts (HTTP
 * middleware), the Apollo context (GatewayContext) and SubgraphRequest (fetches), never headers.
 */
export interface GatewayFeature {
  readonly name: string;
  /** Pages of their own beside /graphql (not under it), by mount path, e.g. the explorer at /graphiql. */
  routes?: Readonly<Record<string, RequestHandler>>;
  /** Express handlers on /graphql, after the body is parsed and before Apollo. */
  middleware?: readonly RequestHandler[];
  apolloPlugins?: readonly ApolloServerPlugin<GatewayContext>[];
  validationRules?: readonly ValidationRule[];
  /** Apollo's APQ option; at most one feature (persisted documents) sets it. */
  persistedQueries?: ApolloServerOptions<GatewayContext>["persistedQueries"];
  /** Wraps the executor: sees each validated operation before it is planned (first feature outermost). */
  wrapExecutor?: (next: GatewayExecutor) => GatewayExecutor;
  /** Wraps every subgraph fetch (transport/pipeline.ts). */
  wrapSubgraphFetch?: (next: SubgraphFetch) => SubgraphFetch;
  /**
   * Runs once the supergraph is loaded: transports of their own (graphql-ws on the same port), work
   * done ahead of the first request. The gateway is built (and then listens) once every one resolved.
   */
  attach?(gateway: StartedGateway): void | Promise<void>;
  /**
   * Runs after the gateway switched to a new supergraph while serving (supergraph/): what the
   * feature derived from the old one (the API schema it validates against, cache key scopes,
   * live-field tables) is derived again. Requests already running finish on the old schema.
   */
  supergraphChanged?(change: { apiSchema: GraphQLSchema; supergraphSdl: string }): void;
  /** Checks /health/ready runs, by name. */
  readiness?: Readonly<Record<string, () => Promise<unknown>>>;
  /** Reported (not checked) on /health/ready, e.g. circuit states. */
  report?(): Record<string, unknown>;
  /** Releases what the feature holds; called in reverse list order after HTTP has drained. */
  close?(): Promise<void>;
}

/** Runs the features' close hooks in reverse list order: a feature lets go only after every feature that may still call it. */
export async function closeFeatures(features: readonly GatewayFeature[]): Promise<void> {
  for (const feature of [...features].reverse()) await feature.close?.();
}
