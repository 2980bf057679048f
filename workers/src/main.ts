import { createLogger, createRedis, envVars, exitOnStartFailure, loadDotEnv, onShutdown, parseEnv, redactUrl } from "@fedplat/common";
import { z } from "zod";
import { buildWorkersAdmin } from "./admin";
import { SERVICE_QUEUES } from "./queues";

const logger = createLogger("workers");

async function main(): Promise<void> {
  loadDotEnv();
  const config = parseEnv(z.object({ PORT: envVars.port(4010), REDIS_URL: envVars.redisUrl }));
  const redis = createRedis(config.REDIS_URL, "fedplat-workers");
  redis.on("error", (error) => logger.warn({ err: error, redis: redactUrl(config.REDIS_URL) }, "redis connection error"));
  await redis.ping();
  const admin = buildWorkersAdmin({ redis, queueNames: SERVICE_QUEUES });
  const port = await admin.listen(config.PORT);
  logger.info({ port, queues: SERVICE_QUEUES }, "workers admin ready");
  onShutdown(logger, async () => {
    await admin.close();
    await redis.quit();
  });
}

main().catch(exitOnStartFailure(logger));
