import { createRedis } from "@fedplat/runtime";
import { runSubgraph } from "@fedplat/subgraph";
import { createLiveUpdatePublisher, requireSigningKey } from "@fedplat/events";
import { createCatalogClient } from "./catalogClient";
import { loadOrdersConfig } from "./config";
import { createOrdersPrisma } from "./db";
import { buildOrdersServer } from "./server";

runSubgraph({
  name: "orders",
  defaultPort: 4003,
  createPrisma: createOrdersPrisma,
  build: async (deps) => {
    requireSigningKey("orders");
    const config = loadOrdersConfig();
    // Live updates are best effort (the order is committed either way): while Redis is down a
    // publish fails after one reconnection attempt instead of holding the mutation's response.
    const redis = createRedis(config.redis.url, "fedplat-orders-live", { maxRetriesPerRequest: 1 });
    redis.on("error", (error) => deps.logger.debug({ err: error }, "live updates: redis connection error"));
    const live = createLiveUpdatePublisher(redis, config.liveUpdates.channel, (error) =>
      deps.logger.warn({ err: error }, "live update not published"),
    );
    const server = await buildOrdersServer({
      ...deps,
      catalog: createCatalogClient(config.orders.catalogUrl, config.orders.serviceKey),
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
