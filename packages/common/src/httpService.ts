import type http from "node:http";
import type { AddressInfo } from "node:net";
import type { RequestHandler } from "express";
import type { Registry } from "prom-client";

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
