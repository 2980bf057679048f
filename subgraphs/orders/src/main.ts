import { parseEnv, runSubgraph } from "@fedplat/common";
import { z } from "zod";
import { createCatalogClient } from "./catalogClient";
import { createOrdersPrisma } from "./db";
import { buildOrdersServer } from "./server";

runSubgraph({
  name: "orders",
  defaultPort: 4003,
  createPrisma: createOrdersPrisma,
  build: (deps) => {
    const { CATALOG_URL } = parseEnv(z.object({ CATALOG_URL: z.url().default("http://localhost:4002/graphql") }));
    return buildOrdersServer({ ...deps, catalog: createCatalogClient(CATALOG_URL, deps.gatewaySecret) });
  },
});
