import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CONSUMER_SERVICES, parseRegistry, registry, RegistryError, serviceNamed } from "../src";

const committed = JSON.parse(readFileSync(join(__dirname, "../../../services.json"), "utf8"));
/** services.json with `change` applied to a copy of its first service. */
const withFirst = (change: Record<string, unknown>) => ({
  ...committed,
  services: [{ ...committed.services[0], ...change }, ...committed.services.slice(1)],
});

describe("services.json", () => {
  it("derives each service's queue, env vars, package and process by rule from its name", () => {
    expect(serviceNamed("payments")).toMatchObject({
      packageName: "@fedplat/payments",
      process: "payments",
      port: 4004,
      schemaFile: "subgraphs/payments/src/schema.graphql",
      queue: "events-payments",
      env: {
        databaseUrl: "PAYMENTS_DATABASE_URL",
        subgraphUrl: "SUBGRAPH_PAYMENTS_URL",
        eventsAttempts: "EVENTS_ATTEMPTS_PAYMENTS",
        eventsBackoffMs: "EVENTS_BACKOFF_MS_PAYMENTS",
      },
    });
  });

  it("serves operations from the workers' process and port, with no queue and no database", () => {
    const operations = serviceNamed("operations");
    expect(operations).toMatchObject({
      process: "workers",
      port: registry.workers.port,
      folder: "subgraphs/operations",
      database: null,
    });
    expect(operations.queue).toBeUndefined();
    expect(CONSUMER_SERVICES.map((service) => service.name)).not.toContain("operations");
  });

  it("refuses a name that cannot be a schema, queue suffix and env var part, naming the field", () => {
    expect(() => parseRegistry(withFirst({ name: "Accounts-2" }))).toThrow(RegistryError);
    expect(() => parseRegistry(withFirst({ name: "Accounts-2" }))).toThrow(
      /services\.0\.name: lowercase letters and digits/,
    );
  });

  it("refuses two services on one port, or one folder twice", () => {
    expect(() => parseRegistry(withFirst({ port: 4002 }))).toThrow(
      /services\.0\.port: service accounts's port is also service catalog's port|services\.1\.port: service catalog's port is also service accounts's port/,
    );
    expect(() => parseRegistry(withFirst({ folder: "subgraphs/catalog" }))).toThrow(
      /services\.1\.folder: service catalog's folder is also service accounts's folder/,
    );
    expect(() => parseRegistry(withFirst({ port: 4000 }))).toThrow(
      /services\.0\.port: service accounts's port is also the gateway's port/,
    );
  });

  it("refuses a service with both a port and a host, or neither", () => {
    expect(() => parseRegistry(withFirst({ servedBy: "workers" }))).toThrow(/needs exactly one of port and servedBy/);
    const { port: _port, ...portless } = committed.services[0];
    expect(() => parseRegistry({ ...committed, services: [portless, ...committed.services.slice(1)] })).toThrow(
      /needs exactly one of port and servedBy/,
    );
  });

  it("refuses an event type produced by two services, and unknown fields", () => {
    expect(() => parseRegistry(withFirst({ produces: ["stock.reserved"] }))).toThrow(
      /services\.1\.produces: event stock\.reserved of catalog is also event stock\.reserved of accounts/,
    );
    expect(() => parseRegistry(withFirst({ queue: "events-x" }))).toThrow(/services\.0: Unrecognized key: "queue"/);
  });
});
