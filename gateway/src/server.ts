import { randomUUID } from "node:crypto";
import http from "node:http";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { expressMiddleware } from "@as-integrations/express5";
import { type AdminListener, adminEndpoints, createMetrics, createTokenVerifier, formatErrorFor, type HealthState, healthRouter, jsonErrorHandler, listenOn, type Logger, metricsHandler, type Redis, type ServiceMetrics, type SigningKey, type TokenVerification, useOperationMetrics } from "@fedplat/common";
import { DEFAULT_LIVE_UPDATES_CHANNEL } from "@fedplat/events";
import express from "express";
import { Counter } from "prom-client";
import { createApiKeyResolver } from "./apiKeyResolver";
import { createSessionChecker, withSessionCheck } from "./sessionChecker";
import { overrideKey, subgraphNames, subgraphUrlsIn } from "./config";
import type { GatewayContext } from "./context";
import { identityOf, useIdentity } from "./plugins/useIdentity";
import { useLandingPage } from "./plugins/useLandingPage";
import { useOperationGuard } from "./plugins/useOperationGuard";
import { defaultHttpServerLimits, type HttpServerLimits, httpServerOptions } from "./httpServerLimits";
import { defaultLimits, type GatewayLimits } from "./limits";
import { useQueryLimits } from "./plugins/useQueryLimits";
import { createRateLimits } from "./plugins/useRateLimit";
import { useRequestShape } from "./plugins/useRequestShape";
import { useRequestLogging } from "./plugins/useRequestLogging";
import { type PersistedQueriesOptions, usePersistedQueries } from "./persistedQueries";
import type { StringCache } from "./responseCache/redisKeyValueCache";
import { useResponseCache } from "./responseCache/useResponseCache";
import { defaultResilience, type ResiliencePolicy } from "./subgraphBreakers";
import { createIdentitySigner } from "./identitySigner";
import { createSubgraphServices } from "./subgraphServices";
import { attachSubscriptions, createLiveUpdateHub, type Subscriptions, type SubscriptionsConfig } from "./subscriptions";

export interface GatewayOptions {
  supergraphSdl: string;
  /** Override key -> URL (see config.ts); subgraphs without one use the supergraph's URL. */
  subgraphUrls?: Record<string, string>;
  /** How clients' access tokens are verified: accounts' HS256 secret, or an identity provider's JWKS. */
  tokens: TokenVerification;
  /** The gateway's Ed25519 key (GATEWAY_SIGNING_KEY): signs the identity sent to each subgraph. */
  signingKey: SigningKey;
  /** Rate-limit counters shared by every gateway replica. */
  redis: Redis;
  logger: Logger;
  metrics?: ServiceMetrics;
  /** No landing page, no introspection and masked internal errors. @default false */
  production?: boolean;
  /** Per subgraph fetch. @default 10_000 */
  subgraphTimeoutMs?: number;
  /** Override key (see config.ts) -> timeout, for subgraphs that need another than subgraphTimeoutMs. */
  subgraphTimeoutsMs?: Record<string, number>;
  /** Identical in-flight subgraph queries of one viewer share one fetch. @default true */
  dedupeSubgraphFetches?: boolean;
  /** Entity fetches the subgraph answered as public are reused for their max-age, for any viewer (entityCache.ts). @default false */
  entityCache?: boolean;
  /** @default defaultLimits */
  limits?: GatewayLimits;
  /** Header/request/keep-alive timeouts and the header size limit of the HTTP server. @default defaultHttpServerLimits */
  http?: HttpServerLimits;
  /** How long an API key look-up is reused (revocations take this long to apply). @default 4_000 */
  apiKeyCacheMs?: number;
  /**
   * Checks every access token's session with accounts (sessionChecker.ts): logout, changePassword,
   * role changes and disabled users apply within `cacheMs`. main.ts always turns it on for accounts'
   * HS256 tokens; unset here only for tests whose tokens name no real user. @default off
   */
  sessions?: { cacheMs?: number };
  /** Valid API keys whose look-up is remembered at most (unknown keys are cached apart). @default 10_000 */
  apiKeyCacheSize?: number;
  /** Express "trust proxy" (TRUST_PROXY, see config.ts): which X-Forwarded-For hop is the client, for per-IP limits. @default false */
  trustProxy?: boolean | number | string;
  /** APQ in Redis and trusted documents (persistedQueries/). @default Apollo's in-memory APQ, trusted documents off */
  persistedQueries?: PersistedQueriesOptions;
  /** Where whole responses are cached (responseCache/). @default no response cache */
  responseCache?: StringCache;
  /** graphql-ws subscriptions on /graphql: live-update channel and limits. @default loadSubscriptionsConfig defaults */
  subscriptions?: Partial<SubscriptionsConfig>;
  /** Circuit breakers and retries of subgraph fetches. @default defaultResilience */
  resilience?: ResiliencePolicy;
  /** A port of their own for /metrics and /health/* (production, see adminListenerOf); unset: the public port serves them. */
  admin?: AdminListener;
}

export interface GatewayServer {
  app: express.Express;
  httpServer: http.Server;
  /** Starts the admin port too when there is one. */
  listen(port: number, host?: string): Promise<number>;
  /** The admin port's bound port, once listening; undefined when the public port serves /metrics and /health. */
  adminPort(): number | undefined;
  close(): Promise<void>;
  subscriptions: Subscriptions;
}

/** Builds the federated gateway on a static supergraph (does not listen). */
export async function buildGateway(options: GatewayOptions): Promise<GatewayServer> {
  const production = options.production ?? false;
  const limits = options.limits ?? defaultLimits;
  const metrics = options.metrics ?? createMetrics("gateway");
  const rateLimited = new Counter({ name: "gateway_rate_limited_total", help: "Requests rejected by a rate limit", labelNames: ["kind"] as const, registers: [metrics.registry] });
  const overrides = options.subgraphUrls ?? {};
  const routingUrls = subgraphUrlsIn(options.supergraphSdl);
  const urlOf = (name: string) => overrides[overrideKey(name)] ?? routingUrls[name] ?? "";
  const apiKeys = createApiKeyResolver({ accountsUrl: urlOf("accounts"), signingKey: options.signingKey, cacheMs: options.apiKeyCacheMs, cacheSize: options.apiKeyCacheSize });
  const subgraphs = createSubgraphServices({
    subgraphs: subgraphNames(options.supergraphSdl),
    urlOf,
    timeoutOf: (name) => options.subgraphTimeoutsMs?.[overrideKey(name)] ?? options.subgraphTimeoutMs ?? 10_000,
    policy: options.resilience ?? defaultResilience,
    logger: options.logger,
    registry: metrics.registry,
    dedupe: options.dedupeSubgraphFetches ?? true,
    entityCache: options.entityCache ?? false,
    signIdentity: createIdentitySigner(options.signingKey),
  });
  // @apollo/gateway sends anonymous usage metrics to Apollo (and probes cloud metadata endpoints
  // for them) unless APOLLO_TELEMETRY_DISABLED is set. This platform does not call home unless the
  // operator opts in (APOLLO_TELEMETRY_DISABLED=false), whoever builds the gateway: main or a test.
  process.env.APOLLO_TELEMETRY_DISABLED ??= "true";
  const gateway = new ApolloGateway({ supergraphSdl: options.supergraphSdl, buildService: subgraphs.buildService });

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", options.trustProxy ?? false);
  const httpServer = http.createServer(httpServerOptions(options.http ?? defaultHttpServerLimits), app);
  const health: HealthState = { draining: false };

  // One Redis subscriber per replica, shared by subscriptions (fan-out) and the response cache (renewals).
  const liveUpdates = createLiveUpdateHub({ redis: options.redis, channel: options.subscriptions?.channel ?? DEFAULT_LIVE_UPDATES_CHANNEL, logger: options.logger });
  const queryLimits = useQueryLimits(limits.query);
  const rateLimits = createRateLimits(options.redis, limits.rate, { rejected: (kind) => rateLimited.inc({ kind }) });
  const persisted = usePersistedQueries(options.persistedQueries);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !production,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    // Our own onShutdown handler drains and exits; Apollo's would re-raise the signal mid-drain.
    stopOnTerminationSignals: false,
    formatError: formatErrorFor(options.logger, production),
    validationRules: queryLimits.validationRules,
    allowBatchedHttpRequests: limits.request.maxBatch > 1,
    persistedQueries: persisted.apollo,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), useLandingPage({ production }), useRequestLogging(options.logger), useOperationMetrics<GatewayContext>(metrics.registry, "gateway"), useOperationGuard(), rateLimits.credentialOperations, ...queryLimits.plugins,
      ...(options.responseCache ? useResponseCache({ cache: options.responseCache, registry: metrics.registry, liveUpdates }) : [])],
  });
  // Loads and validates the supergraph; throws when it cannot.
  await apollo.start().catch(async (error: unknown) => {
    await liveUpdates.close();
    throw error;
  });
  const checkSession = options.sessions ? createSessionChecker({ accountsUrl: urlOf("accounts"), signingKey: options.signingKey, cacheMs: options.sessions.cacheMs }) : undefined;
  const verifyToken = withSessionCheck(createTokenVerifier(options.tokens), checkSession);
  const apiSchema = gateway.schema;
  if (!apiSchema) throw new Error("the gateway has no schema after start");
  // WebSocket upgrades never pass through express: their client address by the same "trust proxy"
  // rules as req.ip (express's own getter, called on the raw request).
  const ipGetter = Object.getOwnPropertyDescriptor(express.request, "ip")?.get;
  const clientIpOf = (req: http.IncomingMessage) => String(ipGetter?.call({ app, socket: req.socket, connection: req.socket, headers: req.headers }) ?? req.socket.remoteAddress ?? "unknown");
  const subscriptions = attachSubscriptions({ apollo, apiSchema, httpServer, verifyToken, apiKeys, hub: liveUpdates, logger: options.logger, registry: metrics.registry, production, limits, validationRules: queryLimits.validationRules, config: options.subscriptions, trustedDocuments: persisted.trustedDocuments, budget: rateLimits.connectionBudget(clientIpOf) });

  // Mounted only once the supergraph is loaded, so "ready" means the gateway can plan queries.
  // Subgraph circuits are reported, not checked: with one subgraph down the gateway still serves the rest.
  const admin = adminEndpoints(app, options.admin);
  admin.app.use(healthRouter({ supergraph: () => Promise.resolve(), redis: () => options.redis.ping(), liveUpdates: () => subscriptions.ready() }, health, { report: () => ({ subgraphs: subgraphs.breakers.states() }) }));
  admin.app.get("/metrics", metricsHandler(metrics.registry));
  app.use(
    "/graphql",
    (req, res, next) => {
      res.locals.requestId = req.header("x-request-id") ?? randomUUID();
      next();
    },
    express.json({ limit: limits.bodyLimit }),
    persisted.middleware,
    useRequestShape(limits.request),
    // Every request is counted per IP before its credentials are looked up, so a spray of bad
    // tokens or API keys is held by the same budget as any other traffic from its address.
    rateLimits.beforeIdentity,
    useIdentity({ verifyToken, apiKeys, onInvalidCredentials: rateLimits.invalidCredentials }),
    rateLimits.afterIdentity,
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const { viewer, subgraphHeaders } = identityOf(res);
        return { requestId: String(res.locals.requestId), viewer, clientIp: req.ip ?? "unknown", subgraphHeaders };
      },
    }),
  );
  app.use(jsonErrorHandler(options.logger));

  let adminPort: number | undefined;
  return {
    app,
    httpServer,
    listen: async (port, host) => {
      const bound = await listenOn(httpServer)(port, host);
      adminPort = await admin.listen();
      return bound;
    },
    adminPort: () => adminPort,
    subscriptions,
    close: async () => {
      health.draining = true;
      await subscriptions.close();
      await liveUpdates.close();
      await apollo.stop();
      subgraphs.breakers.shutdown();
      await admin.close();
    },
  };
}
