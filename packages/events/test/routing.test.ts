import { CONSUMER_SERVICES, PRODUCER_SERVICES } from "@fedplat/registry";
import { CONSUMERS, EVENT_TYPES, queueOf, ROUTES } from "../src";

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
});
