import { randomUUID } from "node:crypto";
import { composeServices } from "@apollo/composition";
import type { Viewer } from "@fedplat/auth";
import {
  graphqlRequest,
  TEST_GATEWAY_KEY,
  TEST_IDENTITY_ENV,
  TEST_IDENTITY_TRUST,
  TEST_JWT_SECRET,
} from "@fedplat/devkit";
import { ConfigError, createLogger, createMetrics, createRedis, type Redis } from "@fedplat/runtime";
import { allow, buildSubgraphServer, type SubgraphServer } from "@fedplat/subgraph";
import { parse } from "graphql";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayServer, loadGatewayConfig } from "../src";

/*
 * Budgets per field coordinate and per operation name, through a real gateway and subgraph,
 * counted in the same Redis as the request budgets; and rate limiting switched off entirely.
 */

const SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
  type Query {
    orders: Int
    report: Int
    products: Int
  }
  type Mutation {
    placeOrder: Boolean
  }
`;
const VIEWERS: Record<string, Viewer> = {
  alice: { id: "alice", roles: ["CUSTOMER"], scopes: [], kind: "apiKey" },
  bob: { id: "bob", roles: ["CUSTOMER"], scopes: [], kind: "apiKey" },
};

let redis: Redis;
let subgraph: SubgraphServer;
let supergraphSdl: string;
let served = 0;
const gateways: GatewayServer[] = [];

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "operation-rate-limits-test");
  const count = () => {
    served += 1;
    return 1;
  };
  subgraph = await buildSubgraphServer({
    name: "shop",
    typeDefs: parse(SDL),
    resolvers: { Query: { orders: count, report: count, products: count }, Mutation: { placeOrder: () => !!count() } },
    permissions: { Query: allow, Mutation: allow },
    context: (base) => base,
    readiness: {},
    metrics: createMetrics("shop"),
    logger: createLogger("shop", "silent"),
    identityTrust: TEST_IDENTITY_TRUST,
  });
  const url = `http://127.0.0.1:${await subgraph.listen(0, "127.0.0.1")}/graphql`;
  const composed = composeServices([{ name: "shop", typeDefs: parse(SDL), url }]);
  if (composed.errors) throw new Error(composed.errors.map(String).join("\n"));
  supergraphSdl = composed.supergraphSdl;
});

afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await subgraph?.close();
  await redis?.quit();
});

async function startGateway(rate: Partial<typeof defaultLimits.rate>): Promise<string> {
  const gateway = await buildGateway({
    supergraphSdl,
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    apiKeys: { resolve: async (key) => VIEWERS[key] ?? null },
    signingKey: TEST_GATEWAY_KEY,
    redis,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}`, ...rate } },
    logger: createLogger("rate-test", "silent"),
    metrics: createMetrics("gateway"),
  });
  gateways.push(gateway);
  return `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
}

const as = (key: string): Record<string, string> => ({ "x-api-key": key });

describe("rate limits per field coordinate and operation name", () => {
  it("counts every selection of a limited field per caller, and refuses past the budget with 429, Retry-After and RATE_LIMITED before any subgraph call", async () => {
    const url = await startGateway({ coordinates: { "Query.orders": { perMinute: 3 } } });
    const first = await graphqlRequest(url, /* GraphQL */ "{ a: orders b: orders products }", {}, as("alice"));
    expect(first.errors).toBeUndefined();
    expect((await graphqlRequest(url, /* GraphQL */ "{ orders }", {}, as("alice"))).errors).toBeUndefined();
    const before = served;
    const refused = await graphqlRequest(url, /* GraphQL */ "{ orders products }", {}, as("alice"));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(refused.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^Too many Query\.orders requests; retry in \d+ s$/),
      extensions: { code: "RATE_LIMITED", coordinate: "Query.orders" },
    });
    expect(served).toBe(before);
    // Fields without a budget of their own, and other callers, are not held by it.
    expect((await graphqlRequest(url, /* GraphQL */ "{ products }", {}, as("alice"))).status).toBe(200);
    expect((await graphqlRequest(url, /* GraphQL */ "{ orders }", {}, as("bob"))).status).toBe(200);
  });

  it("charges a field's cost per selection and an operation name per request", async () => {
    const url = await startGateway({
      coordinates: { "Query.report": { perMinute: 10, cost: 5 }, PlaceOrder: { perMinute: 1 } },
    });
    const report = () => graphqlRequest(url, /* GraphQL */ "{ report }", {}, as("alice"));
    expect((await report()).status).toBe(200);
    expect((await report()).status).toBe(200);
    expect((await report()).status).toBe(429);

    const place = () => graphqlRequest(url, /* GraphQL */ "mutation PlaceOrder { placeOrder }", {}, as("alice"));
    expect((await place()).data).toEqual({ placeOrder: true });
    const again = await place();
    expect(again.status).toBe(429);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", coordinate: "PlaceOrder" });
    // The same field under another operation name is not that operation.
    expect((await graphqlRequest(url, /* GraphQL */ "mutation Other { placeOrder }", {}, as("alice"))).status).toBe(
      200,
    );
  });

  it("admits everything when rate limiting is disabled, whatever the budgets say", async () => {
    const url = await startGateway({
      enabled: false,
      ipPerMinute: 1,
      anonymousPerMinute: 1,
      coordinates: { "Query.orders": { perMinute: 1 } },
    });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await graphqlRequest(url, /* GraphQL */ "{ orders }")).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
  });
});

describe("rate-limit configuration", () => {
  const base = { JWT_SECRET: "x".repeat(32), GATEWAY_SIGNING_KEY: TEST_IDENTITY_ENV.GATEWAY_SIGNING_KEY ?? "" };

  it("reads coordinate budgets as JSON and the switch from the environment, with defaults", () => {
    expect(loadGatewayConfig(base).limits.rate).toMatchObject({ enabled: true, coordinates: {} });
    const config = loadGatewayConfig({
      ...base,
      RATE_LIMIT_ENABLED: "false",
      RATE_LIMIT_COORDINATES: '{"Query.orders": {"perMinute": 60}, "PlaceOrder": {"perMinute": 5, "cost": 2}}',
    });
    expect(config.limits.rate).toMatchObject({
      enabled: false,
      coordinates: { "Query.orders": { perMinute: 60, cost: 1 }, PlaceOrder: { perMinute: 5, cost: 2 } },
    });
  });

  it("refuses a malformed budget, naming RATE_LIMIT_COORDINATES", () => {
    const load = (value: string) => () => loadGatewayConfig({ ...base, RATE_LIMIT_COORDINATES: value });
    expect(load("not json")).toThrow(ConfigError);
    expect(load("not json")).toThrow(/RATE_LIMIT_COORDINATES/);
    expect(load('{"Query orders": {"perMinute": 1}}')).toThrow(/field coordinates \("Query.orders"\)/);
    expect(load('{"Query.orders": {"perMinute": 0}}')).toThrow(/RATE_LIMIT_COORDINATES/);
  });
});
