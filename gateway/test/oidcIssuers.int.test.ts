import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { composeServices } from "@apollo/composition";
import { signAccessToken } from "@fedplat/auth";
import { bearer, graphqlRequest, TEST_GATEWAY_KEY, TEST_IDENTITY_TRUST, TEST_JWT_SECRET } from "@fedplat/devkit";
import { createLogger, createMetrics, createRedis, type Redis } from "@fedplat/runtime";
import { allow as allowAll, buildSubgraphServer, hasRole, hasScope, type SubgraphServer } from "@fedplat/subgraph";
import { parse } from "graphql";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { buildGateway, defaultLimits, type GatewayServer, loadApiKeyResolver, loadIdentityConfig } from "../src";

/*
 * External OIDC providers through a real gateway: a local JWKS server publishes the keys of two
 * issuers with their own claim layouts (Keycloak-like: realm_access.roles and a role map; Auth0-like:
 * namespaced claims, an `scp` array, roles as they are); a real subgraph (the platform's subgraph
 * framework: signed identity, graphql-shield) answers with the viewer it was sent.
 */

const ALPHA = "https://login.alpha.example/realms/shop";
const BETA = "https://beta.example/";
const NS = "https://beta.example";

const WHOAMI_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@shareable"])
  type Query {
    whoami: WhoAmI
    staffNote: String
    ordersReadNote: String
  }
  type WhoAmI {
    id: ID!
    roles: [String!]!
    scopes: [String!]!
    tenant: String
    kind: String!
  }
`;

let redis: Redis;
let jwks: Server;
let subgraph: SubgraphServer;
let gateway: GatewayServer;
let graphqlUrl: string;
/** The issuers' private keys (jose's generateKeyPair result type: a WebCrypto key). */
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
let alphaKey: PrivateKey;
let betaKey: PrivateKey;

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "oidc-issuers-test");
  const alpha = await generateKeyPair("RS256");
  const beta = await generateKeyPair("ES256");
  alphaKey = alpha.privateKey;
  betaKey = beta.privateKey;
  const keySets: Record<string, object> = {
    "/alpha/certs": { keys: [{ ...(await exportJWK(alpha.publicKey)), kid: "alpha-1", alg: "RS256", use: "sig" }] },
    "/beta/.well-known/jwks.json": {
      keys: [{ ...(await exportJWK(beta.publicKey)), kid: "beta-1", alg: "ES256", use: "sig" }],
    },
  };
  jwks = createServer((req, res) => {
    const keys = keySets[req.url ?? ""];
    res.statusCode = keys ? 200 : 404;
    res.setHeader("content-type", "application/json").end(JSON.stringify(keys ?? {}));
  });
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
  const jwksBase = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;

  subgraph = await buildSubgraphServer({
    name: "whoami",
    typeDefs: parse(WHOAMI_SDL),
    resolvers: {
      Query: {
        whoami: (_parent: unknown, _args: unknown, ctx: { viewer: unknown }) => ctx.viewer,
        staffNote: () => "for staff",
        ordersReadNote: () => "for orders:read",
      },
    },
    // The service names its own roles; scopes come from the issuers' scope claims.
    permissions: {
      Query: { whoami: allowAll, staffNote: hasRole("STAFF", "ADMIN"), ordersReadNote: hasScope("orders:read") },
      WhoAmI: allowAll,
    },
    context: (base) => base,
    readiness: {},
    metrics: createMetrics("whoami"),
    logger: createLogger("whoami", "silent"),
    identityTrust: TEST_IDENTITY_TRUST,
  });
  const subgraphUrl = `http://127.0.0.1:${await subgraph.listen(0, "127.0.0.1")}/graphql`;
  const composed = composeServices([{ name: "whoami", typeDefs: parse(WHOAMI_SDL), url: subgraphUrl }]);
  if (composed.errors) throw new Error(composed.errors.map(String).join("\n"));

  // The environment's form, as an operator writes it: accounts' issuer from JWT_SECRET, two more in JSON.
  const identity = loadIdentityConfig({
    JWT_SECRET: TEST_JWT_SECRET,
    API_KEY_RESOLVER: join(__dirname, "fixtures", "staticApiKeys.ts"),
    IDENTITY_ISSUERS: JSON.stringify([
      {
        issuer: ALPHA,
        audience: "fedplat-api",
        jwksUrl: `${jwksBase}/alpha/certs`,
        algorithms: ["RS256"],
        claims: { roles: "realm_access.roles", tenant: "tenant_id" },
        roleMap: { "shop-admin": "ADMIN", "shop-staff": "STAFF", "shop-customer": "CUSTOMER" },
      },
      {
        issuer: BETA,
        audience: ["https://api.beta.example", "https://other.beta.example"],
        jwksUrl: `${jwksBase}/beta/.well-known/jwks.json`,
        claims: { id: `${NS}/uid`, roles: `${NS}/roles`, scopes: "scp", tenant: `${NS}/org.id` },
      },
    ]),
  });
  gateway = await buildGateway({
    supergraphSdl: composed.supergraphSdl,
    identity,
    // No apiKeys given: buildGateway loads the module identity.apiKeyResolver names, as main.ts does.
    // As main.ts: sessions on. There is no accounts here, so a session check of an external token would fail (503).
    sessions: { cacheMs: 1_000 },
    signingKey: TEST_GATEWAY_KEY,
    redis,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    logger: createLogger("oidc-test", "silent"),
    metrics: createMetrics("gateway"),
  });
  graphqlUrl = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
});

afterAll(async () => {
  await gateway?.close();
  await subgraph?.close();
  await new Promise((resolve) => jwks?.close(resolve));
  await redis?.quit();
});

const WHOAMI = /* GraphQL */ "{ whoami { id roles scopes tenant kind } }";

const alphaToken = (
  claims: JWTPayload,
  options: { iss?: string; aud?: string; exp?: number | string; key?: PrivateKey } = {},
) =>
  new SignJWT(claims)
    .setProtectedHeader({
      alg: options.key === betaKey ? "ES256" : "RS256",
      kid: options.key === betaKey ? "beta-1" : "alpha-1",
    })
    .setSubject("alpha-user-1")
    .setIssuer(options.iss ?? ALPHA)
    .setAudience(options.aud ?? "fedplat-api")
    .setIssuedAt()
    .setExpirationTime(options.exp ?? "5m")
    .sign(options.key ?? alphaKey);

const betaToken = (claims: JWTPayload) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid: "beta-1" })
    .setSubject("auth0|ignored-sub")
    .setIssuer(BETA)
    .setAudience("https://api.beta.example")
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(betaKey);

type Answer = { whoami: unknown; staffNote?: string | null; ordersReadNote?: string | null };

describe("tokens from external OIDC issuers, mapped by configuration", () => {
  it("maps a Keycloak-style token (nested roles through a role map, scope string, tenant) onto the viewer a subgraph receives", async () => {
    const token = await alphaToken({
      realm_access: { roles: ["shop-staff", "offline_access", "uma_authorization"] },
      scope: "openid orders:read profile",
      tenant_id: "acme",
    });
    const res = await graphqlRequest<Answer>(
      graphqlUrl,
      `{ whoami { id roles scopes tenant kind } staffNote ordersReadNote }`,
      {},
      bearer(token),
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      whoami: {
        id: "alpha-user-1",
        roles: ["STAFF"],
        scopes: ["openid", "orders:read", "profile"],
        tenant: "acme",
        kind: "user",
      },
      staffNote: "for staff",
      ordersReadNote: "for orders:read",
    });
  });

  it("maps an Auth0-style token (namespaced claims, scp array, roles as named) and drops roles the platform does not know", async () => {
    const token = await betaToken({
      [`${NS}/uid`]: "beta-42",
      [`${NS}/roles`]: ["CUSTOMER", "ROOT"],
      [`${NS}/org`]: { id: "globex" },
      scp: ["orders:write"],
    });
    const res = await graphqlRequest<Answer>(
      graphqlUrl,
      `{ whoami { id roles scopes tenant kind } staffNote }`,
      {},
      bearer(token),
    );
    expect(res.data?.whoami).toEqual({
      id: "beta-42",
      roles: ["CUSTOMER"],
      scopes: ["orders:write"],
      tenant: "globex",
      kind: "user",
    });
    // The subgraph's own rules decide with the mapped roles: a customer is not staff.
    expect(res.data?.staffNote).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("checks sessions for accounts' own HS256 tokens only: with no accounts to ask, one fails closed (503)", async () => {
    // Sessions apply to accounts' issuer only: with no accounts to ask, this one fails closed.
    const res = await graphqlRequest(
      graphqlUrl,
      WHOAMI,
      {},
      bearer(await signAccessToken({ id: randomUUID(), role: "ADMIN" }, TEST_JWT_SECRET)),
    );
    expect(res.status).toBe(503);
    expect(res.errors?.[0]?.extensions?.code).toBe("SUBGRAPH_UNAVAILABLE");
    expect((await graphqlRequest<Answer>(graphqlUrl, WHOAMI)).data).toEqual({ whoami: null });
  });

  it("refuses an unknown issuer, a wrong audience, an expired token and another issuer's key with 401 and the reason", async () => {
    const cases: Array<[string, string, string, string]> = [
      [
        "unknown issuer",
        await alphaToken({}, { iss: "https://evil.example" }),
        "UNKNOWN_ISSUER",
        "Access token from an issuer this gateway does not trust",
      ],
      ["wrong audience", await alphaToken({}, { aud: "someone-else" }), "WRONG_AUDIENCE", "Invalid access token"],
      [
        "expired",
        await alphaToken({}, { exp: Math.floor(Date.now() / 1000) - 60 }),
        "TOKEN_EXPIRED",
        "Access token expired",
      ],
      [
        "alpha's iss signed with beta's key",
        await alphaToken({}, { key: betaKey }),
        "INVALID_TOKEN",
        "Invalid access token",
      ],
      [
        "roles claim of the wrong type",
        await alphaToken({ realm_access: { roles: "shop-staff" }, tenant_id: 7 }),
        "INVALID_CLAIMS",
        "Invalid access token",
      ],
    ];
    for (const [what, token, reason, message] of cases) {
      const res = await graphqlRequest(graphqlUrl, WHOAMI, {}, bearer(token));
      expect({ what, status: res.status, error: res.errors?.[0] }).toEqual({
        what,
        status: 401,
        error: { message, extensions: { code: "UNAUTHENTICATED", reason } },
      });
    }
  });
});

describe("a team's own API-key resolver (API_KEY_RESOLVER)", () => {
  it("resolves keys through the configured module; roles outside the configuration are dropped; unknown keys get 401", async () => {
    const res = await graphqlRequest<Answer>(
      graphqlUrl,
      `{ whoami { id roles scopes tenant kind } staffNote }`,
      {},
      { "x-api-key": "team-key-1" },
    );
    expect(res.data).toEqual({
      whoami: {
        id: "svc-reporting@3-roles",
        roles: ["STAFF"],
        scopes: ["orders:read"],
        tenant: "acme",
        kind: "apiKey",
      },
      staffNote: "for staff",
    });
    const unknown = await graphqlRequest(graphqlUrl, WHOAMI, {}, { "x-api-key": "team-key-2" });
    expect(unknown.status).toBe(401);
    expect(unknown.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("stops the gateway at start with a message naming API_KEY_RESOLVER when the module cannot be used", async () => {
    const context = {
      accountsUrl: "http://127.0.0.1:9/graphql",
      signingKey: TEST_GATEWAY_KEY,
      identity: loadIdentityConfig({ JWT_SECRET: TEST_JWT_SECRET }),
    };
    await expect(loadApiKeyResolver("./no/such/module.ts", context)).rejects.toThrow(
      /API_KEY_RESOLVER: "\.\/no\/such\/module\.ts" cannot be loaded/,
    );
    await expect(loadApiKeyResolver(join(__dirname, "tcpLink.ts"), context)).rejects.toThrow(
      /does not export createApiKeyResolver/,
    );
  });
});
