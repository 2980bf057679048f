import { runSubgraph } from "@fedplat/subgraph";
import { createCatalogPrisma } from "./db";
import { buildCatalogServer } from "./server";

// orders reads prices with its own key (ORDERS_SERVICE_VERIFY_KEYS), held to catalogServiceAccess.
runSubgraph({
  name: "catalog",
  defaultPort: 4002,
  createPrisma: createCatalogPrisma,
  build: buildCatalogServer,
  trustsServices: ["orders"],
});
