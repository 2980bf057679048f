import { readFileSync } from "node:fs";
import {
  adminListenerOf,
  ConfigError,
  createLogger,
  createRedis,
  exitOnStartFailure,
  loadDotEnv,
  onShutdown,
  redactUrl,
} from "@fedplat/runtime";
import { checkOverrides, loadGatewayConfig } from "./config";
import { createGatewayCaching } from "./caching";
import { buildGateway } from "./server";
import { loadSubscriptionsConfig } from "./features/subscriptions";

const logger = createLogger("gateway");

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadGatewayConfig();
  let supergraphSdl: string;
  try {
    supergraphSdl = readFileSync(config.SUPERGRAPH_PATH, "utf8");
  } catch {
    throw new ConfigError(
      `Invalid configuration:\n  SUPERGRAPH_PATH: cannot read ${config.SUPERGRAPH_PATH} (run \`npm run compose\`)`,
    );
  }
  checkOverrides(config.subgraphUrls, supergraphSdl, config.subgraphTimeouts);
  const redis = createRedis(config.REDIS_URL, "fedplat-gateway");
  redis.on("error", (error) =>
    logger.warn({ err: error, redis: redactUrl(config.REDIS_URL) }, "redis connection error"),
  );
  const caching = createGatewayCaching({ supergraphSdl, subgraphUrls: config.subgraphUrls, logger });
  const server = await buildGateway({
    ...caching.options,
    redis,
    limits: config.limits,
    http: config.http,
    trustProxy: config.trustProxy,
    supergraphSdl,
    subgraphUrls: config.subgraphUrls,
    identity: config.identity,
    // Accounts' own tokens have sessions to check; an identity provider's end at the provider (per issuer: config.ts).
    sessions: { cacheMs: config.SESSION_CHECK_MS },
    signingKey: config.GATEWAY_SIGNING_KEY,
    logger,
    production: config.NODE_ENV === "production",
    admin: adminListenerOf(config.NODE_ENV === "production"),
    subgraphTimeoutMs: config.SUBGRAPH_TIMEOUT_MS,
    dedupeSubgraphFetches: config.SUBGRAPH_DEDUPE,
    entityCache: config.ENTITY_CACHE,
    subscriptions: loadSubscriptionsConfig(),
    subgraphTimeoutsMs: config.subgraphTimeouts,
    resilience: config.resilience,
  });
  const port = await server.listen(config.PORT);
  logger.info(
    { port, adminPort: server.adminPort() ?? port, url: `http://localhost:${port}/graphql` },
    "gateway ready",
  );
  onShutdown(logger, async () => {
    await server.close();
    await caching.close();
    await redis.quit();
  });
}

main().catch(exitOnStartFailure(logger));
