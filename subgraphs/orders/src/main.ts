import { createRedis, envVars, parseEnv } from "@fedplat/runtime";
import { keyVars } from "@fedplat/auth";
import { runSubgraph } from "@fedplat/subgraph";
import { createLiveUpdatePublisher, DEFAULT_LIVE_UPDATES_CHANNEL, requireSigningKey } from "@fedplat/events";
import { z } from "zod";
import { createCatalogClient } from "./catalogClient";
import { createOrdersPrisma } from "./db";
import { buildOrdersServer } from "./server";

runSubgraph({
  name: "orders",
  defaultPort: 4003,
  createPrisma: createOrdersPrisma,
  build: async (deps) => {
    requireSigningKey("orders");
    const config = parseEnv(
      z.object({
        CATALOG_URL: z.url().default("http://localhost:4002/graphql"),
        REDIS_URL: envVars.redisUrl,
        LIVE_UPDATES_CHANNEL: z.string().min(1).default(DEFAULT_LIVE_UPDATES_CHANNEL),
        /** orders' own private Ed25519 JWK: signs its price reads from catalog (which verifies with ORDERS_SERVICE_VERIFY_KEYS). */
        ORDERS_SERVICE_KEY: keyVars.signingKey,
      }),
    );
    // Live updates are best effort (the order is committed either way): while Redis is down a
    // publish fails after one reconnection attempt instead of holding the mutation's response.
    const redis = createRedis(config.REDIS_URL, "fedplat-orders-live", { maxRetriesPerRequest: 1 });
    redis.on("error", (error) => deps.logger.debug({ err: error }, "live updates: redis connection error"));
    const live = createLiveUpdatePublisher(redis, config.LIVE_UPDATES_CHANNEL, (error) =>
      deps.logger.warn({ err: error }, "live update not published"),
    );
    const server = await buildOrdersServer({
      ...deps,
      catalog: createCatalogClient(config.CATALOG_URL, config.ORDERS_SERVICE_KEY),
      live,
    });
    return {
      ...server,
      close: async () => {
        await server.close();
        redis.disconnect();
      },
    };
  },
});
