export { type PriceSource, createCatalogClient } from "./catalogClient";
export { type OrdersPrisma, createOrdersPrisma } from "./db";
export { IDEMPOTENCY_KEY_TTL_MS } from "./idempotency";
export { canTransition } from "./orderStatus";
export { buildOrdersServer, typeDefs } from "./server";
export { createOrdersEventHandlers } from "./events/handlers";
export { expirePendingOrders, type PendingOrderExpiry } from "./expiry";
export { eventService } from "./events/eventService";
export { loadOrdersConfig, ordersSection, ordersSections } from "./config";
