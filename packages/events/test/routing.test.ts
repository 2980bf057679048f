import { CONSUMER_SERVICES, PRODUCER_SERVICES } from "@fedplat/registry";
import { CONSUMERS, consumersOf, EVENT_SCHEMAS, EVENT_TYPES, queueOf, ROUTES, routesFor } from "../src";

describe("routing and the service registry (services.json)", () => {
  it("has one producer in services.json for every event type, and no produced type without a schema", () => {
    const produced = PRODUCER_SERVICES.flatMap((service) => service.produces);
    expect([...produced].sort()).toEqual([...EVENT_TYPES].sort());
  });

  it("routes only to services that consume events, each on its registry queue", () => {
    expect(CONSUMERS).toEqual(CONSUMER_SERVICES.map((service) => service.name));
    for (const consumers of Object.values(ROUTES))
      for (const consumer of consumers) expect(CONSUMERS).toContain(consumer);
    for (const service of CONSUMER_SERVICES) expect(queueOf(service.name)).toBe(service.queue);
  });

  it("gives each type's consumers as routesFor does, worked out once and shared read-only", () => {
    for (const type of EVENT_TYPES) {
      const version = EVENT_SCHEMAS[type].version;
      const routes = consumersOf({ type, version });
      expect(routes).toEqual(routesFor(type, version));
      expect(consumersOf({ type, version })).toBe(routes);
      expect(Object.isFrozen(routes)).toBe(true);
    }
    expect(consumersOf({ type: "user.registered", version: 99 })).toEqual([]);
  });
});
