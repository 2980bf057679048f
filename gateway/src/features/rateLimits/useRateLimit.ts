import type { IncomingMessage } from "node:http";
import type { Redis } from "@fedplat/runtime";
import type { ApolloServerPlugin } from "@apollo/server";
import type { Request, RequestHandler, Response } from "express";
import { GraphQLError } from "graphql";
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from "rate-limiter-flexible";
import { Counter, type Registry } from "prom-client";
import type { GatewayContext } from "../../context";
import { viewerOf } from "../../requestState";
import { sendGraphQLError } from "../../sendGraphQLError";
import { credentialFieldsOf } from "./credentialFields";
import { coordinateCosts } from "./coordinateCosts";

/** A budget of its own for one field coordinate ("Query.orders") or operation name ("PlaceOrder"), per caller. */
export interface CoordinateLimit {
  /** Points per caller per minute. */
  perMinute: number;
  /** Points each selection of the field (each aliased or spread copy) or each request of the operation costs. @default 1 */
  cost?: number;
}

export interface RateLimits {
  /** Per client IP, for requests without a token, and for login/register whatever token they carry. @default 100 (the brief's default) */
  anonymousPerMinute: number;
  /** Per user. @default 600 */
  userPerMinute: number;
  /** Per API key. @default 600 */
  apiKeyPerMinute: number;
  /**
   * Per client IP, every request, counted before credentials are checked (so refused ones cost
   * their sender too). Above userPerMinute, so a user is held by their own budget first. @default 1_200
   */
  ipPerMinute?: number;
  /** Per client IP: requests refused for a bad token or API key; beyond it, the IP is refused before any look-up. @default 20 */
  invalidCredentialsPerMinute?: number;
  /** Redis key prefix, so tests and deployments do not share counters. @default "fedplat:rl" */
  keyPrefix?: string;
  /**
   * Budgets per field coordinate or operation name, per caller (user, API key, or IP without
   * credentials), on top of the request budgets. @default {}
   */
  coordinates?: Readonly<Record<string, CoordinateLimit>>;
  /** false: no rate limit at all (a trusted internal deployment behind its own limits). @default true */
  enabled?: boolean;
}

export type RateLimitKind =
  | "ip"
  | "invalidCredentials"
  | "anonymous"
  | "user"
  | "apiKey"
  | "credentials"
  | "coordinate";

function limiter(redis: Redis, points: number, keyPrefix: string) {
  // Counted in Redis so every gateway replica shares one budget per client; if Redis fails,
  // each replica falls back to counting in memory rather than letting everything through.
  return new RateLimiterRedis({
    storeClient: redis,
    points,
    duration: 60,
    keyPrefix,
    insuranceLimiter: new RateLimiterMemory({ points, duration: 60, keyPrefix }),
  });
}

const retryAfterOf = (rejection: RateLimiterRes) => Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
const clientIp = (req: Request) => req.ip ?? "unknown";

function reject(res: Response, retryAfter: number, message: string) {
  res.setHeader("Retry-After", String(retryAfter));
  sendGraphQLError(res, 429, `${message}; retry in ${retryAfter} s`, "RATE_LIMITED", { retryAfter });
}

/** The same refusal from an Apollo plugin (once the operation is known): 429, Retry-After, RATE_LIMITED. */
const rateLimited = (message: string, retryAfter: number, extensions: Record<string, unknown> = {}) =>
  new GraphQLError(`${message}; retry in ${retryAfter} s`, {
    extensions: {
      code: "RATE_LIMITED",
      retryAfter,
      ...extensions,
      http: { status: 429, headers: new Map([["retry-after", String(retryAfter)]]) },
    },
  });

/** With rate limiting switched off (RATE_LIMIT_ENABLED=false): every budget admits everything. */
function unlimited() {
  const pass: RequestHandler = (_req, _res, next) => next();
  return {
    beforeIdentity: pass,
    afterIdentity: pass,
    credentialOperations: {} as ApolloServerPlugin<GatewayContext>,
    coordinateLimits: {} as ApolloServerPlugin<GatewayContext>,
    invalidCredentials: async (_req: Request) => {},
    connectionBudget: (_ipOf: (request: IncomingMessage) => string): ConnectionBudget => ({
      admit: async () => undefined,
      refused: async () => {},
    }),
  };
}

/**
 * The gateway's request budgets, in two steps around identity: `beforeIdentity` counts every
 * request per client IP before any credential is looked up (and refuses an IP that sent too many
 * bad ones), `afterIdentity` holds each user, API key or anonymous IP to its own budget, and
 * `credentialOperations` keeps login and register on the per-IP budget whatever token is sent.
 */
export function createRateLimits(redis: Redis, limits: RateLimits, registry: Registry) {
  if (limits.enabled === false) return unlimited();
  const rejectedTotal = new Counter({
    name: "gateway_rate_limited_total",
    help: "Requests rejected by a rate limit",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  const metrics = { rejected: (kind: RateLimitKind) => rejectedTotal.inc({ kind }) };
  const prefix = limits.keyPrefix ?? "fedplat:rl";
  const invalidPoints = limits.invalidCredentialsPerMinute ?? 20;
  const byKind = {
    ip: limiter(redis, limits.ipPerMinute ?? 1_200, `${prefix}:all`),
    invalidCredentials: limiter(redis, invalidPoints, `${prefix}:bad`),
    anonymous: limiter(redis, limits.anonymousPerMinute, `${prefix}:ip`),
    user: limiter(redis, limits.userPerMinute, `${prefix}:user`),
    apiKey: limiter(redis, limits.apiKeyPerMinute, `${prefix}:key`),
  };

  /**
   * Counts one request (or WebSocket connection_init) of `ip` on its per-IP budget, unless the IP is
   * already over its invalid-credentials budget; a refusal says how long to wait. Redis errors throw.
   */
  const admitIp = async (
    ip: string,
  ): Promise<{ kind: "ip" | "invalidCredentials"; retryAfter: number; message: string } | undefined> => {
    const refused = await byKind.invalidCredentials.get(ip);
    if (refused && refused.consumedPoints >= invalidPoints) {
      return {
        kind: "invalidCredentials",
        retryAfter: retryAfterOf(refused),
        message: "Too many requests with invalid credentials from this address",
      };
    }
    try {
      await byKind.ip.consume(ip);
      return undefined;
    } catch (rejection) {
      if (rejection instanceof Error) throw rejection;
      return {
        kind: "ip",
        retryAfter: retryAfterOf(rejection as RateLimiterRes),
        message: "Too many requests from this address",
      };
    }
  };

  const beforeIdentity: RequestHandler = async (req, res, next) => {
    let refusal: Awaited<ReturnType<typeof admitIp>>;
    try {
      refusal = await admitIp(clientIp(req));
    } catch (error) {
      return next(error);
    }
    if (!refusal) return next();
    metrics.rejected(refusal.kind);
    reject(res, refusal.retryAfter, refusal.message);
  };

  const afterIdentity: RequestHandler = async (req, res, next) => {
    const viewer = viewerOf(req);
    const kind = viewer ? (viewer.kind === "apiKey" ? "apiKey" : "user") : "anonymous";
    const key = viewer?.id ?? clientIp(req);
    try {
      const result = await byKind[kind].consume(key);
      res.setHeader("RateLimit-Remaining", String(result.remainingPoints));
      next();
    } catch (rejection) {
      if (rejection instanceof Error) return next(rejection);
      metrics.rejected(kind);
      reject(res, retryAfterOf(rejection as RateLimiterRes), "Too many requests");
    }
  };

  /**
   * Login and register with a token (an anonymous request is already on the per-IP budget) also
   * count per IP: otherwise each account an attacker registers would be a fresh budget of
   * password guesses. Checked once the operation is resolved, so persisted queries sent by hash
   * alone are counted too.
   */
  const credentialOperations: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          const { viewer, clientIp } = contextValue;
          if (
            !viewer ||
            !clientIp ||
            operation?.operation !== "mutation" ||
            credentialFieldsOf(operation, document).length === 0
          )
            return;
          try {
            await byKind.anonymous.consume(clientIp);
          } catch (rejection) {
            if (rejection instanceof Error) throw rejection;
            metrics.rejected("credentials");
            throw rateLimited(
              "Too many login or register requests from this address",
              retryAfterOf(rejection as RateLimiterRes),
            );
          }
        },
      };
    },
  };

  const coordinates = Object.entries(limits.coordinates ?? {});
  const byCoordinate = new Map(
    coordinates.map(([coordinate, limit]) => [
      coordinate,
      { limiter: limiter(redis, limit.perMinute, `${prefix}:c:${coordinate}`), cost: limit.cost ?? 1 },
    ]),
  );
  /**
   * Each configured field coordinate the operation selects costs `cost` per selection (aliases and
   * fragments spread twice count twice), a configured operation name `cost` per request, from the
   * caller's budget of that coordinate. Checked once the operation is resolved (persisted queries
   * sent by hash alone too); the gateway's own executions (subscriptions' re-reads) are not counted.
   */
  const coordinateLimits: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      if (byCoordinate.size === 0) return {};
      return {
        async didResolveOperation({ operation, document, schema, contextValue }) {
          const { viewer, clientIp } = contextValue;
          if (!operation || !clientIp) return;
          const caller = viewer ? `${viewer.kind === "apiKey" ? "key" : "user"}:${viewer.id}` : `ip:${clientIp}`;
          const costs = coordinateCosts(schema, document, operation, byCoordinate);
          const refusals = await Promise.all(
            [...costs].map(async ([coordinate, points]) => {
              const budget = byCoordinate.get(coordinate);
              if (!budget) return undefined;
              try {
                await budget.limiter.consume(caller, points * budget.cost);
                return undefined;
              } catch (rejection) {
                if (rejection instanceof Error) throw rejection;
                return { coordinate, retryAfter: retryAfterOf(rejection as RateLimiterRes) };
              }
            }),
          );
          const refused = refusals.filter((refusal) => refusal !== undefined);
          const [first] = refused;
          if (!first) return;
          metrics.rejected("coordinate");
          const retryAfter = Math.max(...refused.map((refusal) => refusal.retryAfter));
          throw rateLimited(`Too many ${first.coordinate} requests`, retryAfter, { coordinate: first.coordinate });
        },
      };
    },
  };

  /** Counts a refusal for bad credentials against `ip` (see admitIp). */
  const countInvalidCredentials = async (ip: string) => {
    await byKind.invalidCredentials.consume(ip).catch((rejection: unknown) => {
      if (rejection instanceof Error) throw rejection;
    });
  };
  /** Counts a request refused for its credentials against its IP (see beforeIdentity). */
  const invalidCredentials = (req: Request) => countInvalidCredentials(clientIp(req));

  /**
   * The same two per-IP budgets for WebSocket connection_init: every attempt is counted, and an
   * address past its invalid-credentials budget is refused before its credentials are looked up.
   */
  const connectionBudget = (ipOf: (request: IncomingMessage) => string): ConnectionBudget => ({
    admit: async (request) => {
      const refusal = await admitIp(ipOf(request));
      if (refusal) metrics.rejected(refusal.kind);
      return refusal && { retryAfter: refusal.retryAfter, message: refusal.message };
    },
    refused: (request) => countInvalidCredentials(ipOf(request)),
  });

  return {
    beforeIdentity,
    afterIdentity,
    credentialOperations,
    coordinateLimits,
    invalidCredentials,
    connectionBudget,
  };
}

/** Per-IP budgets of connection attempts that bypass express (WebSocket upgrades). */
export interface ConnectionBudget {
  /** Counts an attempt of the request's address; a refusal when it is over a budget (nothing is looked up then). */
  admit(request: IncomingMessage): Promise<{ retryAfter: number; message: string } | undefined>;
  /** Counts an attempt refused for its credentials. */
  refused(request: IncomingMessage): Promise<void>;
}

export type RateLimiters = ReturnType<typeof createRateLimits>;
