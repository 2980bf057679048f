import { TEST_IDENTITY_ENV } from "@fedplat/devkit";
import { CONSUMER_SERVICES, EVENT_SERVICES } from "@fedplat/registry";
import { checkWiring, loadEventServices, loadWorkersConfig, type ServiceClients } from "../src";

/** Stand-ins keyed like the wiring: checkWiring compares names only and never touches a client. */
const wiredAs = (names: readonly string[]) =>
  Object.fromEntries(names.map((name) => [name, {}])) as unknown as ServiceClients;
const registered = EVENT_SERVICES.map((service) => service.name);

describe("the workers and the service registry (services.json)", () => {
  it("read each consumer queue's retry overrides under the names the registry derives", () => {
    const env = Object.fromEntries(
      CONSUMER_SERVICES.flatMap((service, index) => [
        [service.env.eventsAttempts, String(index + 2)],
        [service.env.eventsBackoffMs, String(100 * (index + 1))],
      ]),
    );
    const { perQueue } = loadWorkersConfig({ ...TEST_IDENTITY_ENV, ...env });
    expect(perQueue).toEqual(
      Object.fromEntries(
        CONSUMER_SERVICES.map((service, index) => [
          service.name,
          { attempts: index + 2, backoffMs: 100 * (index + 1) },
        ]),
      ),
    );
  });

  it("run one consumer per registry consumer, and refuse to start when the wiring misses an event service or has one the registry does not", () => {
    expect(checkWiring(wiredAs(registered))).toEqual(CONSUMER_SERVICES.map((service) => service.name));
    expect(() => checkWiring(wiredAs(registered.slice(1)))).toThrow(`without a client: ${registered[0]}`);
    expect(() => checkWiring(wiredAs([...registered, "shipping"]))).toThrow(
      "without events in services.json: shipping",
    );
  });

  it("host every event service of the registry from its own package's workers entry, and name a package without one", () => {
    expect(Object.keys(loadEventServices()).sort()).toEqual([...registered].sort());
    const missing = registered[0];
    expect(() => loadEventServices((name) => (name === `@fedplat/${missing}/workers` ? {} : require(name)))).toThrow(
      `${missing}: @fedplat/${missing}/workers exports no eventService`,
    );
  });
});
