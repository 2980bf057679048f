export { type CatalogPrisma, createCatalogPrisma } from "./db";
export { buildCatalogServer, typeDefs } from "./server";
export { createCatalogEventHandlers } from "./events/handlers";
export { eventService } from "./events/eventService";
export { catalogSections } from "./sections";
