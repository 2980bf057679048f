import { randomUUID } from "node:crypto";
import http from "node:http";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { expressMiddleware } from "@as-integrations/express5";
import { createMetrics, formatErrorFor, type HealthState, healthRouter, IDENTITY_HEADER, jsonErrorHandler, listenOn, type Logger, metricsHandler, type ServiceMetrics, signCallerIdentity, viewerFromAuthorization } from "@fedplat/common";
import express from "express";
import { overrideKey } from "./config";
import type { GatewayContext } from "./context";
import { useLandingPage } from "./plugins/useLandingPage";
import { useRequestLogging } from "./plugins/useRequestLogging";
import { SubgraphDataSource } from "./subgraphDataSource";

export interface GatewayOptions {
  supergraphSdl: string;
  /** Override key -> URL (see config.ts); subgraphs without one use the supergraph's URL. */
  subgraphUrls?: Record<string, string>;
  /** Verifies clients' access tokens. */
  jwtSecret: string;
  /** Signs the identity sent to subgraphs. */
  gatewaySecret: string;
  logger: Logger;
  metrics?: ServiceMetrics;
  /** No landing page and masked internal errors. @default false */
  production?: boolean;
  /** Per subgraph fetch. @default 10_000 */
  subgraphTimeoutMs?: number;
}

export interface GatewayServer {
  app: express.Express;
  httpServer: http.Server;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** Builds the federated gateway on a static supergraph (does not listen). */
export async function buildGateway(options: GatewayOptions): Promise<GatewayServer> {
  const production = options.production ?? false;
  const metrics = options.metrics ?? createMetrics("gateway");
  const overrides = options.subgraphUrls ?? {};
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name, url }) => new SubgraphDataSource(name, overrides[overrideKey(name)] ?? url ?? "", options.subgraphTimeoutMs ?? 10_000),
  });

  const app = express();
  app.disable("x-powered-by");
  const httpServer = http.createServer(app);
  const health: HealthState = { draining: false };

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    // Our own onShutdown handler drains and exits; Apollo's would re-raise the signal mid-drain.
    stopOnTerminationSignals: false,
    formatError: formatErrorFor(options.logger, production),
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), useLandingPage({ production }), useRequestLogging(options.logger)],
  });
  await apollo.start(); // loads and validates the supergraph; throws when it cannot

  // Mounted only once the supergraph is loaded, so "ready" means the gateway can plan queries.
  app.use(healthRouter({ supergraph: () => Promise.resolve() }, health));
  app.get("/metrics", metricsHandler(metrics.registry));
  app.use(
    "/graphql",
    express.json({ limit: "1mb" }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = req.header("x-request-id") ?? randomUUID();
        // Verified here so a bad token is one clear 401 before any subgraph is called.
        const viewer = await viewerFromAuthorization(req.header("authorization"), options.jwtSecret);
        const identity = await signCallerIdentity({ caller: { kind: "gateway" }, viewer }, options.gatewaySecret);
        return { requestId, viewer, subgraphHeaders: { [IDENTITY_HEADER]: identity, "x-request-id": requestId } };
      },
    }),
  );
  app.use(jsonErrorHandler(options.logger));

  return {
    app,
    httpServer,
    listen: listenOn(httpServer),
    close: async () => {
      health.draining = true;
      await apollo.stop();
    },
  };
}
