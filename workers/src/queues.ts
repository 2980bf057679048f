/**
 * One BullMQ queue per consuming service, like topic bindings: events routed to a service land
 * in its queue. The routing table and consumers arrive with the events issue; the queues are
 * declared here so the admin port already reports their depth.
 */
export const SERVICE_QUEUES = ["accounts", "catalog", "orders", "payments", "notifications"].map((service) => `${service}.events`);
