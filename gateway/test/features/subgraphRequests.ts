import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Viewer } from "@fedplat/auth";
import { parse } from "graphql";
import { describeOperation } from "../../src/transport/describeOperation";
import type { SubgraphRequest } from "../../src/transport/subgraphRequest";

/** A subgraph fetch as the data source describes it: kind and entity-ness from the parsed document. */
export function subgraphRequest(
  url: string,
  query: string,
  options: {
    viewer?: Viewer | null;
    variables?: Record<string, unknown>;
    headers?: Record<string, string>;
    overHttp?: boolean;
    subgraph?: string;
  } = {},
): SubgraphRequest {
  const requestId = `r-${Math.random()}`;
  return {
    subgraph: options.subgraph ?? "catalog",
    url,
    init: {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": requestId, ...options.headers },
      body: JSON.stringify({ query, variables: options.variables ?? {} }),
    },
    ...describeOperation(parse(query)),
    overHttp: options.overHttp ?? true,
    context: { requestId, viewer: options.viewer ?? null, subgraphHeaders: { "x-request-id": requestId } },
  };
}

export const customer = (id: string): Viewer => ({ id, roles: ["CUSTOMER"], scopes: [], kind: "user" });

/** A real HTTP server standing in for a subgraph; `answer` decides each response. */
export async function startStandIn(
  answer: (body: string, req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => answer(body, req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
