export { type CatalogPrisma, createCatalogPrisma } from "./db";
export { buildCatalogServer, typeDefs } from "./server";
