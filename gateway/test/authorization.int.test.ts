import { randomUUID } from "node:crypto";
import { composeServices } from "@apollo/composition";
import type { Viewer } from "@fedplat/auth";
import { graphqlRequest, TEST_GATEWAY_KEY, TEST_IDENTITY_TRUST, TEST_JWT_SECRET } from "@fedplat/devkit";
import { createLogger, createMetrics, createRedis, type Redis } from "@fedplat/runtime";
import { allow, buildSubgraphServer, type SubgraphServer } from "@fedplat/subgraph";
import { parse } from "graphql";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayServer } from "../src";

/*
 * @authenticated, @requiresScopes and @policy through a real gateway in front of a real subgraph
 * (the platform's subgraph framework, graphql-shield allowing everything here so that only the
 * gateway decides). Callers are API keys resolved in code, each a viewer with its roles and scopes.
 * What the subgraph was asked is read from its own operation counter and from its resolvers.
 */

const SDL = /* GraphQL */ `
  extend schema
    @link(
      url: "https://specs.apollo.dev/federation/v2.6"
      import: ["@key", "@authenticated", "@requiresScopes", "@policy"]
    )
  type Query {
    publicNote: String
    me: Profile @authenticated
    ordersCount: Int @requiresScopes(scopes: [["orders:read", "orders:write"], ["orders:admin"]])
    staffNote: String @policy(policies: [["role:STAFF"], ["role:ADMIN"]])
    betaNote: String @policy(policies: [["beta"]])
    brokenNote: String @policy(policies: [["broken"]])
    profiles: [Profile!]!
  }
  type Mutation {
    wipe: Boolean! @policy(policies: [["role:ADMIN"]])
  }
  type Profile @key(fields: "id") {
    id: ID!
    name: String!
    email: String! @requiresScopes(scopes: [["profile:email"]])
    internal: Internal
  }
  type Internal @authenticated {
    note: String!
  }
`;

const VIEWERS: Record<string, Viewer> = {
  customer: { id: "customer", roles: ["CUSTOMER"], scopes: ["profile:email"], kind: "apiKey" },
  reader: { id: "reader", roles: ["CUSTOMER"], scopes: ["orders:read"], kind: "apiKey" },
  readerWriter: { id: "readerWriter", roles: ["CUSTOMER"], scopes: ["orders:read", "orders:write"], kind: "apiKey" },
  ordersAdmin: { id: "ordersAdmin", roles: ["CUSTOMER"], scopes: ["orders:admin"], kind: "apiKey" },
  staff: { id: "staff", roles: ["STAFF"], scopes: [], kind: "apiKey" },
  beta: { id: "beta", roles: ["CUSTOMER"], scopes: [], kind: "apiKey" },
};

const resolved: Record<string, number> = {};
const resolver =
  <T>(name: string, value: T) =>
  () => {
    resolved[name] = (resolved[name] ?? 0) + 1;
    return value;
  };
const profile = { id: "p1", name: "Ada", email: "ada@example.com", internal: { note: "internal" } };

let redis: Redis;
let subgraph: SubgraphServer;
let subgraphMetrics: ReturnType<typeof createMetrics>;
let gateway: GatewayServer;
let url: string;

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "authorization-test");
  subgraphMetrics = createMetrics("profiles");
  subgraph = await buildSubgraphServer({
    name: "profiles",
    typeDefs: parse(SDL),
    resolvers: {
      Query: {
        publicNote: resolver("publicNote", "hello"),
        me: resolver("me", profile),
        ordersCount: resolver("ordersCount", 3),
        staffNote: resolver("staffNote", "for staff"),
        betaNote: resolver("betaNote", "for beta testers"),
        brokenNote: resolver("brokenNote", "never"),
        profiles: resolver("profiles", [profile, { ...profile, id: "p2" }]),
      },
      Mutation: { wipe: resolver("wipe", true) },
    },
    permissions: { Query: allow, Mutation: allow, Profile: allow, Internal: allow },
    context: (base) => base,
    readiness: {},
    metrics: subgraphMetrics,
    logger: createLogger("profiles", "silent"),
    identityTrust: TEST_IDENTITY_TRUST,
  });
  const subgraphUrl = `http://127.0.0.1:${await subgraph.listen(0, "127.0.0.1")}/graphql`;
  const composed = composeServices([{ name: "profiles", typeDefs: parse(SDL), url: subgraphUrl }]);
  if (composed.errors) throw new Error(composed.errors.map(String).join("\n"));
  gateway = await buildGateway({
    supergraphSdl: composed.supergraphSdl,
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    apiKeys: { resolve: async (key) => VIEWERS[key] ?? null },
    // A policy of the deployment's own, beside the built-in role:<ROLE> ones; a failing one denies.
    policies: {
      beta: async ({ viewer }) => viewer?.id === "beta",
      broken: () => {
        throw new Error("policy backend down");
      },
    },
    signingKey: TEST_GATEWAY_KEY,
    redis,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    logger: createLogger("authorization-test", "silent"),
    metrics: createMetrics("gateway"),
  });
  url = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
});

afterAll(async () => {
  await gateway?.close();
  await subgraph?.close();
  await redis?.quit();
});

/** Operations the subgraph has served so far (its subgraph_operations_total). */
async function subgraphOperations(): Promise<number> {
  const metric = await subgraphMetrics.registry.getSingleMetric("subgraph_operations_total")?.get();
  return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
}

const as = (key: string): Record<string, string> => ({ "x-api-key": key });
const unauthorized = (path: string[]) => ({
  message: "Unauthorized field or type",
  path,
  extensions: { code: "UNAUTHORIZED_FIELD_OR_TYPE" },
});

describe("authorization directives at the gateway", () => {
  it("removes an @authenticated field for an anonymous caller: null in its place, an error with its path, and the subgraph never asked for it", async () => {
    const before = { me: resolved.me ?? 0, operations: await subgraphOperations() };
    const res = await graphqlRequest(url, /* GraphQL */ "{ publicNote me { id name } }");
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ publicNote: "hello", me: null });
    expect(res.errors).toEqual([unauthorized(["me"])]);
    expect(resolved.me ?? 0).toBe(before.me);
    expect(await subgraphOperations()).toBe(before.operations + 1);

    const signedIn = await graphqlRequest(url, /* GraphQL */ "{ me { id name } }", {}, as("customer"));
    expect(signedIn.data).toEqual({ me: { id: "p1", name: "Ada" } });
    expect(signedIn.errors).toBeUndefined();
  });

  it("makes no subgraph request at all when every field of the operation is refused", async () => {
    const before = await subgraphOperations();
    const res = await graphqlRequest(url, /* GraphQL */ "query Mine { me { id } staffNote }", {}, as("customer"));
    expect(res.data).toEqual({ me: { id: "p1" }, staffNote: null });
    const anonymous = await graphqlRequest(url, /* GraphQL */ "query Mine { me { id } staffNote }");
    expect(anonymous.data).toEqual({ me: null, staffNote: null });
    expect(anonymous.errors).toEqual([unauthorized(["me"]), unauthorized(["staffNote"])]);
    const mutation = await graphqlRequest(url, /* GraphQL */ "mutation { wipe }", {}, as("staff"));
    expect(mutation.status).toBe(200);
    expect(mutation.data).toBeNull();
    expect(mutation.errors).toEqual([unauthorized(["wipe"])]);
    expect(resolved.wipe ?? 0).toBe(0);
    expect(await subgraphOperations()).toBe(before + 1);
  });

  it("@requiresScopes: one of the scope sets, complete, is needed", async () => {
    const count = async (key: string) =>
      (await graphqlRequest(url, /* GraphQL */ "{ ordersCount }", {}, as(key))).errors?.[0]?.extensions?.code ?? "ok";
    expect({
      anonymous: (await graphqlRequest(url, /* GraphQL */ "{ ordersCount }")).errors?.[0]?.extensions?.code,
      reader: await count("reader"),
      readerWriter: await count("readerWriter"),
      ordersAdmin: await count("ordersAdmin"),
    }).toEqual({
      anonymous: "UNAUTHORIZED_FIELD_OR_TYPE",
      reader: "UNAUTHORIZED_FIELD_OR_TYPE",
      readerWriter: "ok",
      ordersAdmin: "ok",
    });
  });

  it("@policy: built-in role policies, the deployment's own deciders, and a decider that throws denies", async () => {
    const query = /* GraphQL */ "{ staffNote betaNote brokenNote }";
    const staff = await graphqlRequest(url, query, {}, as("staff"));
    expect(staff.data).toEqual({ staffNote: "for staff", betaNote: null, brokenNote: null });
    expect(staff.errors).toEqual([unauthorized(["betaNote"]), unauthorized(["brokenNote"])]);
    const beta = await graphqlRequest(url, query, {}, as("beta"));
    expect(beta.data).toEqual({ staffNote: null, betaNote: "for beta testers", brokenNote: null });
    expect(resolved.brokenNote ?? 0).toBe(0);
  });

  it("propagates the null of a removed non-null field up to the nearest nullable place, with list paths as @", async () => {
    const res = await graphqlRequest(url, /* GraphQL */ "{ publicNote profiles { id email } }", {}, as("staff"));
    expect(res.data).toBeNull();
    expect(res.errors).toEqual([unauthorized(["profiles", "@", "email"])]);

    const nullable = await graphqlRequest(url, /* GraphQL */ "{ profiles { id internal { note } } }");
    expect(nullable.data).toEqual({
      profiles: [
        { id: "p1", internal: null },
        { id: "p2", internal: null },
      ],
    });
    expect(nullable.errors).toEqual([unauthorized(["profiles", "@", "internal"])]);
  });

  it("applies inside named fragments at each place they are spread, and leaves allowed ones as sent", async () => {
    const query = /* GraphQL */ `
      query Profiles { first: profiles { ...Card } me { ...Card } }
      fragment Card on Profile { id internal { note } }
    `;
    const anonymous = await graphqlRequest(url, query);
    expect(anonymous.data).toEqual({
      first: [
        { id: "p1", internal: null },
        { id: "p2", internal: null },
      ],
      me: null,
    });
    expect(anonymous.errors).toEqual([unauthorized(["first", "@", "internal"]), unauthorized(["me"])]);
    const customer = await graphqlRequest(url, query, {}, as("customer"));
    expect(customer.errors).toBeUndefined();
    expect(customer.data?.me).toEqual({ id: "p1", internal: { note: "internal" } });
  });
});
