import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
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
import express, { type RequestHandler } from "express";
import type { DocumentNode } from "graphql";
import { withLiveDirective } from "@fedplat/events";
import type { Logger } from "pino";
import {
  adminEndpoints,
  type AdminListener,
  formatErrorFor,
  healthRouter,
  type HealthState,
  jsonErrorHandler,
  listenOn,
  metricsHandler,
  multipartUploads,
  type ReadinessCheck,
  type ServiceMetrics,
  type UploadLimits,
  useOperationMetrics,
} from "@fedplat/runtime";
import {
  type Caller,
  createCallerIdentityVerifier,
  IDENTITY_HEADER,
  type IdentityTrust,
  type Viewer,
} from "@fedplat/auth";
import { type ServiceAccess, type SubgraphRules, withPermissions } from "./permissions";
import type { SubgraphTls } from "./subgraphConfig";
import { useViewerDependence, withTrackedViewer } from "./viewerDependence";

/** What every subgraph's context starts from. */
export interface BaseContext {
  requestId: string;
  viewer: Viewer | null;
  /** The gateway, or another service calling with its own signed identity. */
  caller: Caller;
  log: Logger;
}

export interface SubgraphServerOptions<TContext extends BaseContext> {
  /** Service name, used in logs and metrics; its name in the supergraph, the audience its identity tokens must carry. */
  name: string;
  typeDefs: DocumentNode;
  /** Generated resolver types (codegen) for this subgraph. */
  resolvers: object;
  /** graphql-shield rules for every type and field; anything without a rule is denied. */
  permissions: SubgraphRules;
  /** Extends the base context with this subgraph's per-request state (loaders). */
  context: (base: BaseContext) => TContext;
  readiness: Record<string, ReadinessCheck>;
  metrics: ServiceMetrics;
  logger: Logger;
  /** Public keys of the gateway (and of services that may call directly) that verify each request's identity. */
  identityTrust: IdentityTrust;
  /** Fields each directly calling service may resolve (see ServiceAccess). @default none */
  serviceAccess?: ServiceAccess;
  /** Production hides internal error messages. @default false */
  production?: boolean;
  plugins?: ApolloServerPlugin<TContext>[];
  /** A port of their own for /metrics and /health/* (production, see adminListenerOf); unset: the public port serves them. */
  admin?: AdminListener;
  /** Serve HTTPS, requiring client certificates when `requireClientCert` (mTLS). @default plain HTTP */
  tls?: SubgraphTls;
  /** Accepts GraphQL multipart requests (file uploads, `Upload` scalar) within these limits. @default multipart refused */
  uploads?: UploadLimits;
  /** Plain HTTP routes beside /graphql, by mount path (e.g. catalog's /images). @default none */
  routes?: Readonly<Record<string, RequestHandler>>;
}

export interface SubgraphServer {
  /** The subgraph's name: the audience of the identity tokens it accepts. */
  readonly name: string;
  app: express.Express;
  httpServer: http.Server;
  /** Listens on `port` (0 picks a free one) and resolves with the bound port; starts the admin port too when there is one. */
  listen(port: number, host?: string): Promise<number>;
  /** The admin port's bound port, once listening; undefined when the public port serves /metrics and /health. */
  adminPort(): number | undefined;
  /** Marks the server not ready, drains in-flight requests and stops Apollo. */
  close(): Promise<void>;
}

/** Builds (does not start listening) an Apollo Federation 2 subgraph with health and metrics routes. */
export async function buildSubgraphServer<TContext extends BaseContext>(
  options: SubgraphServerOptions<TContext>,
): Promise<SubgraphServer> {
  const app = express();
  app.disable("x-powered-by");
  const httpServer = options.tls
    ? https.createServer(
        {
          cert: options.tls.cert,
          key: options.tls.key,
          ...(options.tls.ca ? { ca: options.tls.ca } : {}),
          // The handshake fails without a certificate chaining to `ca`: an unauthenticated caller never reaches express.
          requestCert: options.tls.requireClientCert,
          rejectUnauthorized: options.tls.requireClientCert,
        },
        app,
      )
    : http.createServer(app);
  const health: HealthState = { draining: false };

  // codegen's resolver types are stricter than @apollo/subgraph's map; the shapes are the same.
  const resolvers = options.resolvers as GraphQLResolverMap<unknown>;
  const apollo = new ApolloServer<TContext>({
    schema: withPermissions(
      buildSubgraphSchema({ typeDefs: withLiveDirective(options.typeDefs), resolvers }),
      options.permissions,
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

  const admin = adminEndpoints(app, options.admin);
  admin.app.use(healthRouter(options.readiness, health));
  admin.app.get("/metrics", metricsHandler(options.metrics.registry));
  for (const [path, handler] of Object.entries(options.routes ?? {})) app.use(path, handler);
  app.use(
    "/graphql",
    express.json({ limit: "1mb" }),
    ...(options.uploads ? [multipartUploads(options.uploads)] : []),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = req.header("x-request-id") ?? randomUUID();
        const { viewer, caller } = await verifyIdentity(req.header(IDENTITY_HEADER));
        return withTrackedViewer(viewer, (tracked) =>
          options.context({ requestId, viewer: tracked, caller, log: options.logger.child({ requestId }) }),
        );
      },
    }),
  );
  app.use(jsonErrorHandler(options.logger));

  let adminPort: number | undefined;
  return {
    name: options.name,
    app,
    httpServer,
    listen: async (port, host) => {
      const bound = await listenOn(httpServer)(port, host);
      adminPort = await admin.listen();
      return bound;
    },
    adminPort: () => adminPort,
    close: async () => {
      health.draining = true;
      await apollo.stop();
      await admin.close();
    },
  };
}
