import { readFileSync } from "node:fs";
import {
  ConfigError,
  createLogger,
  createRedis,
  exitOnStartFailure,
  onShutdown,
  redactUrl,
  releaseMemoryWhenIdle,
} from "@fedplat/runtime";
import { checkOverrides, type GatewayConfig, loadGatewayConfig } from "./config";
import { createGatewayCaching } from "./caching";
import { buildGateway } from "./server";

const logger = createLogger("gateway");

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const supergraphSdl = await firstSupergraph(config);
  checkOverrides(
    config.subgraphUrls,
    supergraphSdl,
    config.subgraphTimeouts,
    config.subgraphTls,
    config.headerPropagation.subgraphs,
  );
  const redis = createRedis(config.redisUrl, "fedplat-gateway");
  redis.on("error", (error) =>
    logger.warn({ err: error, redis: redactUrl(config.redisUrl) }, "redis connection error"),
  );
  const caching = createGatewayCaching({ supergraphSdl, logger, ...config });
  const server = await buildGateway({
    ...caching.options,
    redis,
    limits: config.limits,
    demandControl: config.demandControl,
    http: config.http,
    cors: config.cors,
    headerPropagation: config.headerPropagation,
    trustProxy: config.trustProxy,
    supergraphSdl,
    supergraphUpdates: config.supergraphUrl
      ? { url: config.supergraphUrl, intervalMs: config.supergraphPollMs }
      : { path: config.supergraphPath, intervalMs: config.supergraphPollMs },
    subgraphUrls: config.subgraphUrls,
    identity: config.identity,
    ...(config.authorizationPolicies ? { policies: config.authorizationPolicies } : {}),
    // Accounts' own tokens have sessions to check; an identity provider's end at the provider (per issuer: config.ts).
    sessions: { cacheMs: config.sessionCheckMs },
    signingKey: config.signingKey,
    logger,
    production: config.production,
    ...(config.admin ? { admin: config.admin } : {}),
    subgraphTimeoutMs: config.subgraphTimeoutMs,
    dedupeSubgraphFetches: config.subgraphDedupe,
    dedupeOperations: config.operationDedupe,
    entityCache: config.entityCache,
    subscriptions: config.subscriptions,
    subgraphTimeoutsMs: config.subgraphTimeouts,
    subgraphTls: config.subgraphTls,
    resilience: config.resilience,
    progressiveOverride: config.progressiveOverride,
    uploads: config.uploads,
  });
  const port = await server.listen(config.port);
  logger.info(
    { port, adminPort: server.adminPort() ?? port, url: `http://localhost:${port}/graphql` },
    "gateway ready",
  );
  releaseMemoryWhenIdle({ logger });
  onShutdown(logger, async () => {
    await server.close();
    await caching.close();
    await redis.quit();
  });
}

/** The supergraph to start with, from SUPERGRAPH_URL when set, else SUPERGRAPH_PATH. */
async function firstSupergraph(config: GatewayConfig): Promise<string> {
  if (config.supergraphUrl) {
    const response = await fetch(config.supergraphUrl, { signal: AbortSignal.timeout(10_000) }).catch(
      (error: Error) => ({ ok: false, status: error.message, text: async () => "" }),
    );
    if (!response.ok)
      throw new ConfigError(
        `Invalid configuration:\n  SUPERGRAPH_URL: cannot fetch the supergraph (${response.status})`,
      );
    return response.text();
  }
  try {
    return readFileSync(config.supergraphPath, "utf8");
  } catch {
    throw new ConfigError(
      `Invalid configuration:\n  SUPERGRAPH_PATH: cannot read ${config.supergraphPath} (run \`npm run compose\`)`,
    );
  }
}

main().catch(exitOnStartFailure(logger));
