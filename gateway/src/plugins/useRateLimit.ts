import type { Redis } from "@fedplat/common";
import type { RequestHandler } from "express";
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from "rate-limiter-flexible";
import { identityOf } from "./useIdentity";
import { sendGraphQLError } from "./sendGraphQLError";

export interface RateLimits {
  /** Per client IP, for requests without a token. @default 100 (the brief's default) */
  anonymousPerMinute: number;
  /** Per user. @default 600 */
  userPerMinute: number;
  /** Per API key. @default 600 */
  apiKeyPerMinute: number;
  /** Redis key prefix, so tests and deployments do not share counters. @default "fedplat:rl" */
  keyPrefix?: string;
}

export interface RateLimitMetrics {
  rejected(kind: "anonymous" | "user" | "apiKey"): void;
}

function limiter(redis: Redis, points: number, keyPrefix: string) {
  // Counted in Redis so every gateway replica shares one budget per client; if Redis fails,
  // each replica falls back to counting in memory rather than letting everything through.
  return new RateLimiterRedis({ storeClient: redis, points, duration: 60, keyPrefix, insuranceLimiter: new RateLimiterMemory({ points, duration: 60, keyPrefix }) });
}

/** Per-user, per-API-key and per-IP request budgets; over budget is HTTP 429 with Retry-After. */
export function useRateLimit(redis: Redis, limits: RateLimits, metrics?: RateLimitMetrics): RequestHandler {
  const prefix = limits.keyPrefix ?? "fedplat:rl";
  const byKind = {
    anonymous: limiter(redis, limits.anonymousPerMinute, `${prefix}:ip`),
    user: limiter(redis, limits.userPerMinute, `${prefix}:user`),
    apiKey: limiter(redis, limits.apiKeyPerMinute, `${prefix}:key`),
  };
  return async (req, res, next) => {
    const { viewer } = identityOf(res);
    const kind = viewer ? (viewer.kind === "apiKey" ? "apiKey" : "user") : "anonymous";
    const key = viewer?.id ?? req.ip ?? "unknown";
    try {
      const result = await byKind[kind].consume(key);
      res.setHeader("RateLimit-Remaining", String(result.remainingPoints));
      next();
    } catch (rejection) {
      if (rejection instanceof Error) return next(rejection);
      const retryAfter = Math.max(1, Math.ceil((rejection as RateLimiterRes).msBeforeNext / 1000));
      metrics?.rejected(kind);
      res.setHeader("Retry-After", String(retryAfter));
      sendGraphQLError(res, 429, `Too many requests; retry in ${retryAfter} s`, "RATE_LIMITED", { retryAfter });
    }
  };
}
