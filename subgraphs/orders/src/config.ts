import { keyVars } from "@fedplat/auth";
import { liveUpdatesSection } from "@fedplat/events";
import { defineSection, loadConfig, redisSection } from "@fedplat/runtime";
import { subgraphSectionsOf } from "@fedplat/subgraph";
import { z } from "zod";

/** orders' own options: how it reads prices from catalog. */
export const ordersSection = defineSection({
  path: "orders",
  schema: z.object({
    catalogUrl: z
      .url()
      .default("http://localhost:4002/graphql")
      .describe("catalog's GraphQL endpoint, called directly for the prices of a new order"),
    serviceKey: keyVars.signingKey.describe(
      "orders' own private Ed25519 JWK: signs its price reads from catalog, which verifies them with ORDERS_SERVICE_VERIFY_KEYS; generated into .env by `npm run setup`",
    ),
  }),
  env: { names: { catalogUrl: "CATALOG_URL", serviceKey: "ORDERS_SERVICE_KEY" } },
  secrets: ["serviceKey"],
});

/** orders' sections beside the subgraph's: its own, and Redis for live updates. */
const ordersOwnSections = { orders: ordersSection, redis: redisSection, liveUpdates: liveUpdatesSection };

/** The orders process's configuration sections, for `npm run config`. */
export const ordersSections = { ...subgraphSectionsOf("orders", 4003), ...ordersOwnSections };

/** orders' own configuration (`env` in tests). */
export const loadOrdersConfig = (env?: NodeJS.ProcessEnv) =>
  loadConfig(ordersOwnSections, env ? { env, file: false } : {});
