import type http from "node:http";
import { defineSection } from "@fedplat/runtime";
import { z } from "zod";

/**
 * How long and how much a client may take to send a request, set deliberately rather than left to
 * Node's defaults (60 s for headers, 5 min for a request, checked only every 30 s): a slowloris
 * client trickling headers holds a socket until `headersTimeoutMs`, then gets 408 and is closed.
 */
export interface HttpServerLimits {
  /** Time to receive all request headers (HTTP_HEADERS_TIMEOUT_MS). @default 10_000 */
  headersTimeoutMs: number;
  /** Time to receive a whole request, headers and body; at least headersTimeoutMs (HTTP_REQUEST_TIMEOUT_MS). @default 30_000 */
  requestTimeoutMs: number;
  /**
   * How long an idle keep-alive connection stays open (HTTP_KEEP_ALIVE_TIMEOUT_MS). Above the 60 s
   * idle timeout of common load balancers, so the gateway never closes a connection one is about
   * to reuse (which shows as sporadic 502s). @default 65_000
   */
  keepAliveTimeoutMs: number;
  /** Largest total size of request headers; larger gets 431 (HTTP_MAX_HEADER_BYTES). @default 16_384 */
  maxHeaderBytes: number;
}

export const defaultHttpServerLimits: HttpServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  maxHeaderBytes: 16_384,
};

/** Options for http.createServer: Node enforces the timeouts by a sweep every connectionsCheckingInterval, here at most 1 s. */
export function httpServerOptions(limits: HttpServerLimits): http.ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxHeaderSize: limits.maxHeaderBytes,
    connectionsCheckingInterval: Math.min(1_000, Math.ceil(limits.headersTimeoutMs / 2)),
  };
}

const ms = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const d = defaultHttpServerLimits;

/** The HttpServerLimits above, from fedplat.config.yaml (gateway.http) or HTTP_* variables. */
export const httpSection = defineSection({
  path: "gateway.http",
  schema: z
    .object({
      headersTimeoutMs: ms(1_000, 120_000, d.headersTimeoutMs).describe(
        "Time to receive all request headers (slowloris: 408)",
      ),
      requestTimeoutMs: ms(1_000, 600_000, d.requestTimeoutMs).describe(
        "Time to receive a whole request, headers and body",
      ),
      keepAliveTimeoutMs: ms(1_000, 600_000, d.keepAliveTimeoutMs).describe(
        "How long an idle keep-alive connection stays open; above load balancers' 60 s",
      ),
      maxHeaderBytes: ms(4_096, 262_144, d.maxHeaderBytes).describe(
        "Largest total size of request headers (431 above)",
      ),
    })
    // Node refuses a headers timeout longer than the request timeout.
    .superRefine((http, context) => {
      if (http.headersTimeoutMs > http.requestTimeoutMs)
        context.addIssue({
          code: "custom",
          path: ["headersTimeoutMs"],
          message: `must not exceed HTTP_REQUEST_TIMEOUT_MS (${http.requestTimeoutMs})`,
        });
    }),
  env: { prefix: "HTTP_" },
});
