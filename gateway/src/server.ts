import { randomUUID } from "node:crypto";
import http from "node:http";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { expressMiddleware } from "@as-integrations/express5";
import {
  type AdminListener,
  adminEndpoints,
  createMetrics,
  formatErrorFor,
  type HealthState,
  healthRouter,
  jsonErrorHandler,
  listenOn,
  type Logger,
  metricsHandler,
  type Redis,
  type ServiceMetrics,
} from "@fedplat/runtime";
import { DEFAULT_LIVE_UPDATES_CHANNEL } from "@fedplat/events";
import type { SigningKey } from "@fedplat/auth";
import express from "express";
import { overrideKey, subgraphNames, subgraphUrlsIn } from "./config";
import type { GatewayContext } from "./context";
import { closeFeatures, type GatewayExecutor, type GatewayFeature, type PrewarmQueryPlan } from "./feature";
import { createAuthorizationFeature, loadPolicies, type Policies } from "./features/authorization";
import { type CorsOptions, createCorsFeature, defaultCors } from "./features/cors";
import { createDedupeFeature, createOperationDedupeFeature } from "./features/dedupe";
import {
  createHeaderPropagationFeature,
  type HeaderPropagation,
  mergeHeaderRules,
  propagatedClientHeaders,
} from "./features/headerPropagation";
import { createDemandControlFeature, type DemandControlOptions, defaultDemandControl } from "./features/demandControl";
import { acceptsIncrementalDelivery, createDeferFeature } from "./features/defer";
import { createEntityCacheFeature } from "./features/entityCache";
import {
  type ApiKeyResolver,
  createCredentials,
  createIdentityFeature,
  type IdentityConfig,
  loadApiKeyResolver,
} from "./features/identity";
import { createLandingPageFeature } from "./features/landingPage";
import { createLimitsFeature } from "./features/limits";
import {
  createPersistedDocumentsFeature,
  createTrustedDocuments,
  type PersistedQueriesOptions,
} from "./features/persistedDocuments";
import { createAddressBudgetFeature, createRateLimitFeature, createRateLimits } from "./features/rateLimits";
import { createProgressiveOverrideFeature, type ProgressiveOverrideConfig } from "./features/progressiveOverride";
import { createResilienceFeature, defaultResilience, type ResiliencePolicy } from "./features/resilience";
import { createResponseCacheFeature, type StringCache } from "./features/responseCache";
import {
  createLiveUpdateHub,
  createSubscriptionsFeature,
  type Subscriptions,
  type SubscriptionsConfig,
} from "./features/subscriptions";
import { createTelemetryFeature } from "./features/telemetry";
import { createUploadsFeature, defaultUploads, type UploadsConfig } from "./features/uploads";
import { defaultHttpServerLimits, type HttpServerLimits, httpServerOptions } from "./httpServerLimits";
import { defaultLimits, type GatewayLimits } from "./limits";
import { requestStateOf, startRequestState, viewerOf } from "./requestState";
import { createSupergraphSource, type SupergraphUpdates } from "./supergraph";
import { QueryPlanCache } from "./supergraph/queryPlanCache";
import { SubgraphDataSource } from "./transport/subgraphDataSource";
import { composeSubgraphFetch, httpFetchVia } from "./transport/pipeline";
import { createSubgraphDispatchers, type SubgraphTlsOptions } from "./transport/subgraphTls";

export interface GatewayOptions {
  /** The supergraph served at start. */
  supergraphSdl: string;
  /** Where newer supergraphs come from while running (hot reload, supergraph/); unset: the first one stays. */
  supergraphUpdates?: SupergraphUpdates;
  /** Override key -> URL (see config.ts); subgraphs without one use the supergraph's URL. */
  subgraphUrls?: Record<string, string>;
  /**
   * Roles, trusted token issuers (claims -> viewer) and the API-key resolver
   * (features/identity/config.ts; tests: accountsIdentity({ secret })).
   */
  identity: IdentityConfig;
  /**
   * Deciders of `@policy` names (features/authorization), in code or as a module path
   * (AUTHORIZATION_POLICIES); `role:<ROLE>` policies are built in. @default the built-in ones only
   */
  policies?: Policies | string;
  /** An API-key resolver given in code; otherwise identity.apiKeyResolver names one ("accounts" by default). */
  apiKeys?: ApiKeyResolver;
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
  /** Override key (see config.ts) -> client certificate, key and CA for HTTPS calls to that subgraph (mTLS). @default none */
  subgraphTls?: Record<string, SubgraphTlsOptions>;
  /** Identical in-flight subgraph queries of one viewer share one fetch. @default true */
  dedupeSubgraphFetches?: boolean;
  /** Identical in-flight queries of one viewer share one execution (features/dedupe/shareOperations.ts). @default true */
  dedupeOperations?: boolean;
  /** Entity fetches the subgraph answered as public are reused for their max-age, for any viewer (entityCache.ts). @default false */
  entityCache?: boolean;
  /** @default defaultLimits */
  limits?: GatewayLimits;
  /** Estimated-cost limit of operations from the supergraph's @cost/@listSize (demandControl/). @default defaultDemandControl */
  demandControl?: DemandControlOptions;
  /** Header/request/keep-alive timeouts and the header size limit of the HTTP server. @default defaultHttpServerLimits */
  http?: HttpServerLimits;
  /** Browser origins allowed to call /graphql (features/cors). @default any origin, none in production */
  cors?: CorsOptions;
  /** Client headers copied to subgraph calls. @default none: subgraphs receive no client header */
  headerPropagation?: HeaderPropagation;
  /** How long an API key look-up is reused (revocations take this long to apply). @default 4_000 */
  apiKeyCacheMs?: number;
  /**
   * Checks the session of every access token from an issuer with sessions (accounts' HS256 one by
   * default) with accounts (sessionChecker.ts): logout, changePassword, role changes and disabled
   * users apply within `cacheMs`. main.ts always turns it on; unset here only for tests whose
   * tokens name no real user. @default off
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
  /** Subscriptions on /graphql (graphql-ws, SSE, multipart): live-update channel and limits. @default loadSubscriptionsConfig defaults */
  subscriptions?: Partial<SubscriptionsConfig>;
  /** Circuit breakers and retries of subgraph fetches. @default defaultResilience */
  resilience?: ResiliencePolicy;
  /** Which progressive @override labels are on (features/progressiveOverride). @default percent(n) labels roll, others off, no header */
  progressiveOverride?: ProgressiveOverrideConfig;
  /** A port of their own for /metrics and /health/* (production, see adminListenerOf); unset: the public port serves them. */
  admin?: AdminListener;
  /** File uploads (multipart requests): size and count limits (features/uploads). @default defaultUploads */
  uploads?: UploadsConfig;
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
  const { registry } = metrics;
  const { logger, redis } = options;
  const overrides = options.subgraphUrls ?? {};
  const routingUrls = subgraphUrlsIn(options.supergraphSdl);
  const urlOf = (name: string) => overrides[overrideKey(name)] ?? routingUrls[name] ?? "";
  const timeoutOf = (name: string) =>
    options.subgraphTimeoutsMs?.[overrideKey(name)] ?? options.subgraphTimeoutMs ?? 10_000;

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", options.trustProxy ?? false);
  const httpServer = http.createServer(httpServerOptions(options.http ?? defaultHttpServerLimits), app);
  const health: HealthState = { draining: false };

  // WebSocket upgrades never pass through express: their client address by the same "trust proxy"
  // rules as req.ip (express's own getter, called on the raw request).
  const ipGetter = Object.getOwnPropertyDescriptor(express.request, "ip")?.get;
  const clientIpOf = (req: http.IncomingMessage) =>
    String(
      ipGetter?.call({ app, socket: req.socket, connection: req.socket, headers: req.headers }) ??
        req.socket.remoteAddress ??
        "unknown",
    );

  // Shared by several features: who callers are (HTTP and graphql-ws), which documents may run
  // (HTTP and graphql-ws), the request budgets (before and after identity), and one Redis
  // subscriber per replica for live updates (subscriptions' fan-out, response cache renewals).
  // Connection pools of the subgraphs with TLS client options (mTLS), for fetches and accounts' look-ups.
  const dispatchers = createSubgraphDispatchers((name) => options.subgraphTls?.[overrideKey(name)]);
  const accountsDispatcher = dispatchers.forGlobalFetch("accounts");
  const apiKeys =
    options.apiKeys ??
    (await loadApiKeyResolver(options.identity.apiKeyResolver, {
      accountsUrl: urlOf("accounts"),
      ...(accountsDispatcher ? { accountsDispatcher } : {}),
      signingKey: options.signingKey,
      identity: options.identity,
      cacheMs: options.apiKeyCacheMs,
      cacheSize: options.apiKeyCacheSize,
    }));
  const credentials = createCredentials({
    accountsUrl: urlOf("accounts"),
    ...(accountsDispatcher ? { accountsDispatcher } : {}),
    identity: options.identity,
    apiKeys,
    signingKey: options.signingKey,
    sessions: options.sessions,
    apiKeyCacheMs: options.apiKeyCacheMs,
    apiKeyCacheSize: options.apiKeyCacheSize,
    logger,
  });
  const policies = await loadPolicies(options.policies, { roles: options.identity.roles });
  const trustedDocuments = createTrustedDocuments(options.persistedQueries);
  const rateLimits = createRateLimits(redis, limits.rate, registry);
  const liveUpdates = createLiveUpdateHub({
    redis,
    channel: options.subscriptions?.channel ?? DEFAULT_LIVE_UPDATES_CHANNEL,
    logger,
  });
  const subscriptions = createSubscriptionsFeature({
    credentials,
    trustedDocuments,
    budget: rateLimits.connectionBudget(clientIpOf),
    hub: liveUpdates,
    logger,
    registry,
    production,
    limits,
    config: options.subscriptions,
  });

  /*
   * The gateway's features, in order. HTTP middleware runs top to bottom (after the request id and
   * the JSON body parser), Apollo plugins are registered in this order, and subgraph-fetch wrappers
   * nest with the first one outermost. Why this order:
   * - cors first: every answer (a 413 or 429 too) carries the headers a browser needs to read it,
   *   and a preflight is answered before any budget or credential check counts it.
   * - telemetry, landing page: observe and serve everything that follows; no order among the rest depends on them.
   * - uploads before persistedDocuments: a multipart request's operations become the body the rest checks.
   * - persistedDocuments before limits: a document outside the manifest is refused as such, whatever its size.
   * - limits before the budgets: a malformed request is refused without costing Redis counting.
   * - demandControl beside limits: an operation too expensive is refused before any budget or subgraph.
   * - addressBudget before identity: every request is counted per IP before its credentials are
   *   looked up, so a spray of bad tokens or API keys is held by the same budget as any other traffic.
   * - identity before rateLimits: per-user and per-key budgets need the viewer (requestState.ts).
   * - operation dedupe before authorization: its executor wrapper is outermost, so one execution
   *   shared by identical queries of one viewer includes what authorization decided and removed.
   * - authorization: wraps the executor, so it sees every operation Apollo let through (HTTP and
   *   subscriptions' queries alike) before the planner.
   * - responseCache: after the operation is resolved and allowed; a hit runs no subgraph fetch.
   * - progressiveOverride: only decides labels for the planner (context), so its place is free.
   * - defer: only a validation rule; every check above applies to a deferred request as to any.
   * - fetch wrappers, outermost to innermost: identity signs the viewer for the subgraph; header
   *   propagation copies allowlisted client headers (before dedupe, whose key includes them); the
   *   entity cache answers public entities without any fetch; dedupe shares one in-flight fetch
   *   among identical queries; resilience gives each attempt a deadline, a circuit and retries;
   *   innermost, HTTP (transport/subgraphFetch.ts).
   * - subscriptions last: SSE and multipart HTTP streams after every check above; graphql-ws on
   *   the same port, attached once the supergraph is loaded.
   * Close hooks run in reverse order, after Apollo has drained HTTP and WebSocket connections.
   */
  const features: readonly GatewayFeature[] = [
    createCorsFeature(options.cors ?? defaultCors, production),
    createTelemetryFeature({ logger, metrics }),
    createLandingPageFeature({ production }),
    createUploadsFeature({
      limits: options.uploads ?? defaultUploads,
      ...(urlOf("catalog") ? { imagesUrl: new URL("/images", urlOf("catalog")).href } : {}),
    }),
    createPersistedDocumentsFeature(options.persistedQueries, trustedDocuments, logger),
    createLimitsFeature(limits),
    createDemandControlFeature({ options: options.demandControl ?? defaultDemandControl, registry }),
    createAddressBudgetFeature(rateLimits),
    createIdentityFeature({
      credentials,
      signingKey: options.signingKey,
      onInvalidCredentials: rateLimits.invalidCredentials,
    }),
    createRateLimitFeature(rateLimits),
    ...((options.dedupeOperations ?? true)
      ? [
          createOperationDedupeFeature({
            propagatedHeaders: propagatedClientHeaders(options.headerPropagation),
            registry,
          }),
        ]
      : []),
    createAuthorizationFeature({ supergraphSdl: options.supergraphSdl, policies, logger, registry }),
    createHeaderPropagationFeature((name) =>
      mergeHeaderRules(options.headerPropagation?.all, options.headerPropagation?.subgraphs[overrideKey(name)]),
    ),
    ...(options.responseCache
      ? [
          createResponseCacheFeature({
            cache: options.responseCache,
            registry,
            liveUpdates,
            staffRoles: options.identity.staffRoles,
          }),
        ]
      : []),
    ...(options.entityCache ? [createEntityCacheFeature({ registry })] : []),
    createProgressiveOverrideFeature(options.progressiveOverride ?? { labels: {}, header: "" }, options.supergraphSdl),
    createDeferFeature(),
    ...((options.dedupeSubgraphFetches ?? true) ? [createDedupeFeature()] : []),
    createResilienceFeature({
      subgraphs: subgraphNames(options.supergraphSdl),
      policy: options.resilience ?? defaultResilience,
      timeoutOf,
      logger,
      registry,
    }),
    subscriptions,
  ];

  const subgraphFetch = composeSubgraphFetch(
    features.flatMap((feature) => feature.wrapSubgraphFetch ?? []),
    httpFetchVia(dispatchers.of),
  );
  // @apollo/gateway sends anonymous usage metrics to Apollo (and probes cloud metadata endpoints
  // for them) unless APOLLO_TELEMETRY_DISABLED is set. This platform does not call home unless the
  // operator opts in (APOLLO_TELEMETRY_DISABLED=false), whoever builds the gateway: main or a test.
  // biome-ignore lint/style/noProcessEnv: a setting for @apollo/gateway, which reads it from the environment
  process.env.APOLLO_TELEMETRY_DISABLED ??= "true";
  const supergraph = createSupergraphSource({
    initialSdl: options.supergraphSdl,
    updates: options.supergraphUpdates,
    logger,
    registry,
  });
  const gateway = new ApolloGateway({
    supergraphSdl: supergraph.hook,
    queryPlannerConfig: {
      // Defer nodes in plans, run by the patched executor (features/defer).
      incrementalDelivery: { enableDefer: true },
      // Each fetch node keeps the parsed subgraph operation it was printed from, cached with its
      // plan, so the data source reads the operation's kind and root field from it instead of
      // parsing the operation again on every fetch (transport/describeOperation.ts).
      exposeDocumentNodeInFetchNode: true,
      // Counts hits, misses and plans built ahead or on request; primed by the trusted documents' prewarm.
      cache: new QueryPlanCache(registry),
    },
    // A subgraph a later supergraph adds is reached at its routing URL unless overridden.
    buildService: ({ name, url }) =>
      new SubgraphDataSource(name, overrides[overrideKey(name)] ?? url ?? urlOf(name), subgraphFetch),
  });

  const executorWrappers = features.flatMap((feature) => feature.wrapExecutor ?? []);
  const wrapExecutor = (executor: GatewayExecutor) =>
    executorWrappers.reduceRight((next, wrap) => wrap(next), executor);
  const validationRules = features.flatMap((feature) => feature.validationRules ?? []);
  const apollo = new ApolloServer<GatewayContext>({
    // The features' executor wrappers around @apollo/gateway's executor (GatewayFeature.wrapExecutor).
    gateway: {
      load: async (loadOptions) => {
        const loaded = await gateway.load(loadOptions);
        return { ...loaded, executor: loaded.executor && wrapExecutor(loaded.executor) };
      },
      onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
      stop: () => gateway.stop(),
    },
    introspection: !production,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    // Our own onShutdown handler drains and exits; Apollo's would re-raise the signal mid-drain.
    stopOnTerminationSignals: false,
    formatError: formatErrorFor(logger, production),
    validationRules,
    allowBatchedHttpRequests: limits.request.maxBatch > 1,
    persistedQueries: features.find((feature) => feature.persistedQueries)?.persistedQueries,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ...features.flatMap((feature) => feature.apolloPlugins ?? []),
    ],
  });
  // Loads and validates the supergraph; throws when it cannot.
  await apollo.start().catch(async (error: unknown) => {
    await closeFeatures(features);
    await liveUpdates.close();
    await dispatchers.close();
    throw error;
  });
  const apiSchema = gateway.schema;
  if (!apiSchema) throw new Error("the gateway has no schema after start");
  const prewarmQueryPlan: PrewarmQueryPlan = (document, operationName) =>
    gateway.prewarmQueryPlan(document, operationName);
  for (const feature of features)
    await feature.attach?.({
      apollo,
      apiSchema,
      supergraphSdl: options.supergraphSdl,
      httpServer,
      validationRules,
      prewarmQueryPlan,
    });
  supergraph.onChange(({ sdl }) => {
    const schema = gateway.schema;
    if (!schema) return;
    for (const feature of features) feature.supergraphChanged?.({ apiSchema: schema, supergraphSdl: sdl });
  });

  // Mounted only once the supergraph is loaded, so "ready" means the gateway can plan queries.
  const admin = adminEndpoints(app, options.admin);
  const readiness = Object.assign(
    { supergraph: () => Promise.resolve(), redis: () => redis.ping() },
    ...features.map((feature) => feature.readiness ?? {}),
  );
  admin.app.use(
    healthRouter(readiness, health, {
      report: () => Object.assign(supergraph.report(), ...features.map((feature) => feature.report?.() ?? {})),
    }),
  );
  admin.app.get("/metrics", metricsHandler(registry));
  for (const feature of features)
    for (const [path, handler] of Object.entries(feature.routes ?? {})) app.use(path, handler);
  app.use(
    "/graphql",
    (req, _res, next) => {
      startRequestState(req, req.header("x-request-id") ?? randomUUID());
      next();
    },
    express.json({ limit: limits.bodyLimit }),
    ...features.flatMap((feature) => feature.middleware ?? []),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const { requestId } = requestStateOf(req);
        return {
          requestId,
          viewer: viewerOf(req),
          clientIp: req.ip ?? "unknown",
          subgraphHeaders: { "x-request-id": requestId },
          incrementalDelivery: acceptsIncrementalDelivery(req.header("accept"), Array.isArray(req.body)),
        };
      },
    }),
  );
  app.use(jsonErrorHandler(logger));

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
    subscriptions: subscriptions.subscriptions,
    close: async () => {
      health.draining = true;
      // Drains HTTP requests in flight and closes every subscription (1001) before any feature lets go.
      await apollo.stop();
      await closeFeatures(features);
      await liveUpdates.close();
      await dispatchers.close();
      await admin.close();
    },
  };
}
