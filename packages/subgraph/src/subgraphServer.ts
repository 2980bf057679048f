import http from "node:http";
import https from "node:https";
import express, { type RequestHandler } from "express";
import {
  adminEndpoints,
  type AdminListener,
  healthRouter,
  type HealthState,
  jsonErrorHandler,
  listenOn,
  metricsHandler,
  multipartUploads,
  type ReadinessCheck,
  type UploadLimits,
} from "@fedplat/runtime";
import type { BaseContext, GraphQLEndpoint, GraphQLEndpointOptions, SubgraphSchema } from "./graphqlEndpoint";
import type { SubgraphTls } from "./subgraphConfig";

export type { BaseContext, SubgraphSchema } from "./graphqlEndpoint";

export interface SubgraphServerBaseOptions<TContext extends BaseContext> extends GraphQLEndpointOptions<TContext> {
  readiness: Record<string, ReadinessCheck>;
  /** A port of their own for /metrics and /health/* (production, see adminListenerOf); unset: the public port serves them. */
  admin?: AdminListener;
  /** Serve HTTPS, requiring client certificates when `requireClientCert` (mTLS). @default plain HTTP */
  tls?: SubgraphTls;
  /** Accepts GraphQL multipart requests (file uploads, `Upload` scalar) within these limits. @default multipart refused */
  uploads?: UploadLimits;
  /** Plain HTTP routes beside /graphql, by mount path (e.g. catalog's /images). @default none */
  routes?: Readonly<Record<string, RequestHandler>>;
}

/**
 * The schema loaded and Apollo Server started on the first /graphql request rather than before
 * listening: for a subgraph whose queries are rare (the workers' operations subgraph, for admins),
 * so an idle process does not hold the GraphQL libraries. Health and metrics answer from the start.
 */
export interface SchemaOnFirstRequest<TContext extends BaseContext> {
  schemaOnFirstRequest: () => Promise<SubgraphSchema<TContext>>;
}

export type SubgraphServerOptions<TContext extends BaseContext> = SubgraphServerBaseOptions<TContext> &
  (SubgraphSchema<TContext> | SchemaOnFirstRequest<TContext>);

export interface SubgraphServer {
  /** The subgraph's name: the audience of the identity tokens it accepts. */
  readonly name: string;
  app: express.Express;
  httpServer: http.Server;
  /** Listens on `port` (0 picks a free one) and resolves with the bound port; starts the admin port too when there is one. */
  listen(port: number, host?: string): Promise<number>;
  /** The admin port's bound port, once listening; undefined when the public port serves /metrics and /health. */
  adminPort(): number | undefined;
  /** Marks the server not ready, drains in-flight requests and stops Apollo (closes the HTTP server). */
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

  const startEndpoint = async (): Promise<GraphQLEndpoint> => {
    const schema = "schemaOnFirstRequest" in options ? await options.schemaOnFirstRequest() : options;
    const { startGraphQLEndpoint } = await import("./graphqlEndpoint");
    return startGraphQLEndpoint(schema, options, httpServer);
  };
  let started = "schemaOnFirstRequest" in options ? undefined : await startEndpoint();
  let starting: Promise<GraphQLEndpoint> | undefined;
  const graphql: RequestHandler = (req, res, next) => {
    if (started) return started.handler(req, res, next);
    starting ??= startEndpoint();
    starting.then(
      (endpoint) => {
        started = endpoint;
        return endpoint.handler(req, res, next);
      },
      (error: unknown) => {
        starting = undefined; // the next request tries again
        next(error);
      },
    );
  };

  const admin = adminEndpoints(app, options.admin);
  admin.app.use(healthRouter(options.readiness, health));
  admin.app.get("/metrics", metricsHandler(options.metrics.registry));
  for (const [path, handler] of Object.entries(options.routes ?? {})) app.use(path, handler);
  app.use(
    "/graphql",
    express.json({ limit: "1mb" }),
    ...(options.uploads ? [multipartUploads(options.uploads)] : []),
    graphql,
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
      const endpoint = started ?? (await starting?.catch(() => undefined));
      // Apollo's drain plugin closes the HTTP server; with no schema started yet nothing else would.
      if (endpoint) await endpoint.stop();
      else if (httpServer.listening) await new Promise((resolve) => httpServer.close(resolve));
      await admin.close();
    },
  };
}
