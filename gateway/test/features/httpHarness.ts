import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import express from "express";
import type { GatewayFeature } from "../../src/feature";
import { requestStateOf, startRequestState } from "../../src/requestState";

export interface HarnessResponse {
  status: number;
  headers: Headers;
  body: {
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
    state?: { requestId: string; viewer?: unknown };
  };
}

/**
 * The features' middleware mounted as the builder mounts it (request state, JSON body, then the
 * list in order) in front of a handler that answers with the request state the features left.
 * A real express app on an ephemeral port: what passes between layers is real request state.
 */
export async function serveFeatures(features: readonly GatewayFeature[]) {
  const app = express();
  app.use(
    "/graphql",
    (req, _res, next) => {
      startRequestState(req, req.header("x-request-id") ?? randomUUID());
      next();
    },
    express.json(),
    ...features.flatMap((feature) => feature.middleware ?? []),
    (req, res) => {
      res.json({ state: requestStateOf(req) });
    },
  );
  app.use(((error, _req, res, _next) => {
    res
      .status(500)
      .json({ errors: [{ message: String((error as Error).message), extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
  }) as express.ErrorRequestHandler);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return {
    url,
    async post(body: unknown, headers: Record<string, string> = {}): Promise<HarnessResponse> {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
      return {
        status: response.status,
        headers: response.headers,
        body: (await response.json()) as HarnessResponse["body"],
      };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
