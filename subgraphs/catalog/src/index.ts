export { type CatalogPrisma, createCatalogPrisma } from "./db";
export { buildCatalogServer, typeDefs } from "./server";
export { createCatalogEventHandlers } from "./events/handlers";
export { catalogSections } from "./sections";
