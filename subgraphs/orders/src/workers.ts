/**
 * What the workers process loads from this service (@fedplat/orders/workers): its event service, the order-expiry watchdog and how long idempotency keys are kept.
 * Not the package's index, which brings the GraphQL server: the workers would load its modules
 * (Apollo Server, the schema, graphql-shield) and keep them in memory for nothing.
 */
export { eventService } from "./events/eventService";
export { IDEMPOTENCY_KEY_TTL_MS } from "./idempotency";
export { expirePendingOrders } from "./expiry";
