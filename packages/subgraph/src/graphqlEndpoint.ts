import { randomUUID } from "node:crypto";
import type http from "node:http";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginCacheControl } from "@apollo/server/plugin/cacheControl";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper";
import type { RequestHandler } from "express";
import type { DocumentNode } from "graphql";
import { withLiveDirective } from "@fedplat/events";
import type { Logger } from "pino";
import { formatErrorFor, type ServiceMetrics, useOperationMetrics } from "@fedplat/runtime";
import {
  type Caller,
  createCallerIdentityVerifier,
  IDENTITY_HEADER,
  type IdentityTrust,
  type Viewer,
} from "@fedplat/auth";
import { type ServiceAccess, type SubgraphRules, withPermissions } from "./permissions";
import { useViewerDependence, withTrackedViewer } from "./viewerDependence";

/** What every subgraph's context starts from. */
export interface BaseContext {
  requestId: string;
  viewer: Viewer | null;
  /** The gateway, or another service calling with its own signed identity. */
  caller: Caller;
  log: Logger;
}

/** What a subgraph's /graphql serves. */
export interface SubgraphSchema<TContext extends BaseContext> {
  typeDefs: DocumentNode;
  /** Generated resolver types (codegen) for this subgraph. */
  resolvers: object;
  /** graphql-shield rules for every type and field; anything without a rule is denied. */
  permissions: SubgraphRules;
  /** Extends the base context with this subgraph's per-request state (loaders). */
  context: (base: BaseContext) => TContext;
}

export interface GraphQLEndpointOptions<TContext extends BaseContext> {
  /** Service name, used in logs and metrics; its name in the supergraph, the audience its identity tokens must carry. */
  name: string;
  metrics: ServiceMetrics;
  logger: Logger;
  /** Public keys of the gateway (and of services that may call directly) that verify each request's identity. */
  identityTrust: IdentityTrust;
  /** Fields each directly calling service may resolve (see ServiceAccess). @default none */
  serviceAccess?: ServiceAccess;
  /** Production hides internal error messages. @default false */
  production?: boolean;
  plugins?: ApolloServerPlugin<TContext>[];
}

/** A started Apollo Server behind an express handler (the JSON body already parsed). */
export interface GraphQLEndpoint {
  handler: RequestHandler;
  stop(): Promise<void>;
}

/**
 * Builds the federated schema (permissions applied) and starts Apollo Server for `httpServer`,
 * whose requests it drains when stopped. The Apollo and GraphQL libraries are loaded by this
 * module only: subgraphServer.ts imports it when the schema is built.
 */
export async function startGraphQLEndpoint<TContext extends BaseContext>(
  schema: SubgraphSchema<TContext>,
  options: GraphQLEndpointOptions<TContext>,
  httpServer: http.Server,
): Promise<GraphQLEndpoint> {
  // codegen's resolver types are stricter than @apollo/subgraph's map; the shapes are the same.
  const resolvers = schema.resolvers as GraphQLResolverMap<unknown>;
  const apollo = new ApolloServer<TContext>({
    schema: withPermissions(
      buildSubgraphSchema({ typeDefs: withLiveDirective(schema.typeDefs), resolvers }),
      schema.permissions,
      options.serviceAccess,
    ),
    includeStacktraceInErrorResponses: false,
    // Our own onShutdown handler drains and exits; Apollo's would re-raise the signal mid-drain.
    stopOnTerminationSignals: false,
    formatError: formatErrorFor(options.logger, options.production ?? false),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // Inline traces feed Apollo Studio, which this platform does not use; they cost time per request.
      ApolloServerPluginInlineTraceDisabled(),
      // The SDL's @cacheControl hints become this response's Cache-Control header, which the
      // gateway combines across subgraphs. Anything without a hint is uncacheable (max age 0).
      ApolloServerPluginCacheControl({ defaultMaxAge: 0, calculateHttpHeaders: true }),
      useOperationMetrics<TContext>(options.metrics.registry, "subgraph"),
      // Tells the gateway whether an answer depended on who asked (subscription fan-out shares the rest).
      useViewerDependence<TContext>(),
      ...(options.plugins ?? []),
    ],
  });
  await apollo.start();
  const verifyIdentity = createCallerIdentityVerifier(options.identityTrust, options.name);
  return {
    handler: expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = req.header("x-request-id") ?? randomUUID();
        const { viewer, caller } = await verifyIdentity(req.header(IDENTITY_HEADER));
        return withTrackedViewer(viewer, (tracked) =>
          schema.context({ requestId, viewer: tracked, caller, log: options.logger.child({ requestId }) }),
        );
      },
    }),
    stop: () => apollo.stop(),
  };
}
