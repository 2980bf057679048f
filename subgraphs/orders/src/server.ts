import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSubgraphServer, databaseCheck, type SubgraphDeps, type SubgraphServer } from "@fedplat/subgraph";
import { type LiveUpdatePublisher, noLiveUpdates } from "@fedplat/events";
import gql from "graphql-tag";
import type { PriceSource } from "./catalogClient";
import { contextFactory } from "./context";
import type { OrdersPrisma } from "./db";
import { permissions } from "./permissions";
import { resolvers } from "./resolvers";

// From the package root, not __dirname: the same file whether this runs from src/ or from the compiled dist/.
export const typeDefs = gql(readFileSync(join(__dirname, "..", "src", "schema.graphql"), "utf8"));

export interface OrdersServerOptions extends SubgraphDeps<OrdersPrisma> {
  /** Where placeOrder reads current product prices. */
  catalog: PriceSource;
  /** Where committed order changes are announced for subscriptions. @default noLiveUpdates */
  live?: LiveUpdatePublisher;
}

export function buildOrdersServer({
  catalog,
  live = noLiveUpdates,
  ...deps
}: OrdersServerOptions): Promise<SubgraphServer> {
  return buildSubgraphServer({
    ...deps,
    name: "orders",
    typeDefs,
    resolvers,
    permissions,
    context: contextFactory(deps.prisma, catalog, live),
    readiness: { database: databaseCheck(deps.prisma) },
  });
}
