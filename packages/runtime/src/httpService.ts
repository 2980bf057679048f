import http from "node:http";
import type { AddressInfo } from "node:net";
import express, { type RequestHandler } from "express";
import type { Registry } from "prom-client";
import { loadConfig, processSection } from "./config";

/** Listens on `port` (0 picks a free one) and resolves with the bound port. */
export function listenOn(httpServer: http.Server) {
  return (port: number, host = "0.0.0.0"): Promise<number> =>
    new Promise((resolve, reject) => {
      httpServer.once("error", reject);
      httpServer.listen(port, host, () => resolve((httpServer.address() as AddressInfo).port));
    });
}

/** GET /metrics in the Prometheus text format. */
export function metricsHandler(registry: Registry): RequestHandler {
  return async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  };
}

/** Where the admin endpoints (/metrics, /health/*) listen when they have a port of their own. */
export interface AdminListener {
  port: number;
  /** The interface to bind: the operator's choice (e.g. a pod-internal address). @default "0.0.0.0" */
  host?: string;
}

/**
 * The admin endpoints' port, from ADMIN_PORT (default 9464, Prometheus exporters' customary
 * port) and ADMIN_HOST, in production only: there /metrics and the health details (which name
 * failing dependencies) stay off the public port, which a load balancer exposes. In development
 * they stay on the public port, where scripts, tests and the local Prometheus expect them.
 */
export function adminListenerOf(production: boolean, env?: NodeJS.ProcessEnv): AdminListener | undefined {
  if (!production) return undefined;
  const { process: settings } = loadConfig({ process: processSection }, env ? { env, file: false } : {});
  return { port: settings.adminPort, host: settings.adminHost };
}

export interface AdminEndpoints {
  /** Where to mount /metrics and /health/*: the public app, or the admin port's own app. */
  app: express.Express;
  /** Starts the admin port when there is one; resolves with its bound port (undefined without one). */
  listen(): Promise<number | undefined>;
  close(): Promise<void>;
}

/** The admin endpoints of a process: on `publicApp`, or on a port of their own when `listener` is given. */
export function adminEndpoints(publicApp: express.Express, listener: AdminListener | undefined): AdminEndpoints {
  if (!listener) return { app: publicApp, listen: async () => undefined, close: async () => undefined };
  const app = express();
  app.disable("x-powered-by");
  const server = http.createServer(app);
  return {
    app,
    listen: () => listenOn(server)(listener.port, listener.host ?? "0.0.0.0"),
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        // Prometheus keeps its scrape connection open; it must not hold the shutdown.
        server.closeAllConnections();
      }),
  };
}
