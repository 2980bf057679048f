import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  buildSubgraphServer,
  databaseCheck,
  type ServiceAccess,
  type SubgraphDeps,
  type SubgraphServer,
} from "@fedplat/subgraph";
import gql from "graphql-tag";
import { contextFactory } from "./context";
import type { CatalogPrisma } from "./db";
import { productImageRoute } from "./images/imageRoute";
import { MAX_IMAGE_BYTES } from "./images/productImage";
import { permissions } from "./permissions";
import { resolvers } from "./resolvers";

// From the package root, not __dirname: the same file whether this runs from src/ or from the compiled dist/.
export const typeDefs = gql(readFileSync(join(__dirname, "..", "src", "schema.graphql"), "utf8"));

/**
 * What services calling catalog directly (with their own key, not as the gateway) may read:
 * orders prices an order's lines through `_entities` and nothing else.
 */
export const catalogServiceAccess: ServiceAccess = {
  orders: ["Query._entities", "Product.id", "Product.priceCents", "Product.currency"],
};

export function buildCatalogServer(deps: SubgraphDeps<CatalogPrisma>): Promise<SubgraphServer> {
  return buildSubgraphServer({
    ...deps,
    name: "catalog",
    typeDefs,
    resolvers,
    permissions,
    serviceAccess: catalogServiceAccess,
    context: contextFactory(deps.prisma),
    readiness: { database: databaseCheck(deps.prisma) },
    // One image per request (uploadProductImage); the gateway forwards it as it streams in.
    uploads: { maxFileBytes: MAX_IMAGE_BYTES, maxFiles: 1 },
    routes: { "/images": productImageRoute(deps.prisma) },
  });
}
