import { runSubgraph } from "@fedplat/common";
import { createCatalogPrisma } from "./db";
import { buildCatalogServer } from "./server";

runSubgraph({ name: "catalog", defaultPort: 4002, createPrisma: createCatalogPrisma, build: buildCatalogServer });
