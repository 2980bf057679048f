import { readFileSync } from "node:fs";
import { ConfigError, createLogger, createRedis, exitOnStartFailure, loadDotEnv, onShutdown, redactUrl } from "@fedplat/common";
import { checkOverrides, loadGatewayConfig } from "./config";
import { buildGateway } from "./server";

const logger = createLogger("gateway");

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadGatewayConfig();
  let supergraphSdl: string;
  try {
    supergraphSdl = readFileSync(config.SUPERGRAPH_PATH, "utf8");
  } catch {
    throw new ConfigError(`Invalid configuration:\n  SUPERGRAPH_PATH: cannot read ${config.SUPERGRAPH_PATH} (run \`npm run compose\`)`);
  }
  checkOverrides(config.subgraphUrls, supergraphSdl, config.subgraphTimeouts);
  const redis = createRedis(config.REDIS_URL, "fedplat-gateway");
  redis.on("error", (error) => logger.warn({ err: error, redis: redactUrl(config.REDIS_URL) }, "redis connection error"));
  const server = await buildGateway({
    redis,
    limits: config.limits,
    trustProxy: config.trustProxy,
    supergraphSdl,
    subgraphUrls: config.subgraphUrls,
    tokens: config.tokens,
    gatewaySecret: config.GATEWAY_SECRET,
    logger,
    production: config.NODE_ENV === "production",
    subgraphTimeoutMs: config.SUBGRAPH_TIMEOUT_MS,
    subgraphTimeoutsMs: config.subgraphTimeouts,
    resilience: config.resilience,
  });
  const port = await server.listen(config.PORT);
  logger.info({ port, url: `http://localhost:${port}/graphql` }, "gateway ready");
  onShutdown(logger, async () => {
    await server.close();
    await redis.quit();
  });
}

main().catch(exitOnStartFailure(logger));
