import { ConfigError } from "@fedplat/runtime";
import { TEST_IDENTITY_ENV } from "@fedplat/devkit";
import { checkOverrides, loadGatewayConfig } from "../src";

const SECRET = { JWT_SECRET: "x".repeat(32), GATEWAY_SIGNING_KEY: TEST_IDENTITY_ENV.GATEWAY_SIGNING_KEY ?? "" };
const SUPERGRAPH =
  'enum join__Graph { ACCOUNTS @join__graph(name: "accounts", url: "http://localhost:4001/graphql") MY_SVC @join__graph(name: "my-svc", url: "http://x") }';

describe("gateway configuration", () => {
  it("has working defaults", () => {
    const config = loadGatewayConfig({ ...SECRET });
    expect(config).toMatchObject({
      port: 4000,
      production: false,
      subgraphTimeoutMs: 10_000,
      subgraphUrls: {},
    });
    expect(config.supergraphPath).toMatch(/supergraph\.graphql$/);
  });

  it("names the variable that is invalid, and hides secret values", () => {
    expect(() => loadGatewayConfig({ ...SECRET, PORT: "abc" })).toThrow(/PORT: .*"abc"/);
    expect(() => loadGatewayConfig({ ...SECRET, JWT_SECRET: "short-secret" })).toThrow(
      /JWT_SECRET: must be at least 32 characters.*\(currently: set, hidden;/,
    );
    expect(() => loadGatewayConfig({})).toThrow(/GATEWAY_SIGNING_KEY: required: a private Ed25519 JWK.*unset/);
    expect(() => loadGatewayConfig({ GATEWAY_SIGNING_KEY: SECRET.GATEWAY_SIGNING_KEY })).toThrow(
      /JWT_SECRET: required/,
    );
    expect(() => loadGatewayConfig({ ...SECRET, SUBGRAPH_ACCOUNTS_URL: "not a url" })).toThrow(
      /SUBGRAPH_ACCOUNTS_URL: must be an http\(s\) URL/,
    );
  });

  it("refuses a malformed signing key, naming GATEWAY_SIGNING_KEY and never showing the key", () => {
    const verifyKeys = TEST_IDENTITY_ENV.GATEWAY_VERIFY_KEYS ?? "";
    expect(() => loadGatewayConfig({ ...SECRET, GATEWAY_SIGNING_KEY: "not json" })).toThrow(
      /GATEWAY_SIGNING_KEY: must be JSON.*\(currently: set, hidden;/,
    );
    // The public key list in its place (a verifier's configuration): it cannot sign.
    expect(() => loadGatewayConfig({ ...SECRET, GATEWAY_SIGNING_KEY: verifyKeys })).toThrow(
      /GATEWAY_SIGNING_KEY: the key must be a JWK object/,
    );
    expect(() =>
      loadGatewayConfig({ ...SECRET, GATEWAY_SIGNING_KEY: JSON.stringify(JSON.parse(verifyKeys)[0]) }),
    ).toThrow(/GATEWAY_SIGNING_KEY: must be a private key/);
    expect(() =>
      loadGatewayConfig({
        ...SECRET,
        GATEWAY_SIGNING_KEY: SECRET.GATEWAY_SIGNING_KEY.replace(/"d":"[^"]+"/, '"d":"AAAA"'),
      }),
    ).toThrow(/GATEWAY_SIGNING_KEY: is not a valid Ed25519 private key/);
  });

  it("verifies tokens with an identity provider's JWKS when JWT_JWKS_URL is set, and then needs issuer and audience", () => {
    const jwks = {
      GATEWAY_SIGNING_KEY: SECRET.GATEWAY_SIGNING_KEY,
      JWT_JWKS_URL: "https://idp.example/.well-known/jwks.json",
    };
    expect(() => loadGatewayConfig(jwks)).toThrow(
      /JWT_ISSUER: required when JWT_JWKS_URL is set[\s\S]*JWT_AUDIENCE: required/,
    );
    expect(
      loadGatewayConfig({ ...jwks, JWT_ISSUER: "https://idp.example", JWT_AUDIENCE: "fedplat" }).identity.issuers,
    ).toEqual([
      {
        issuer: "https://idp.example",
        audience: "fedplat",
        keys: { kind: "jwks", url: jwks.JWT_JWKS_URL },
        claims: { id: "sub", roles: "role", scopes: "scope" },
      },
    ]);
    expect(loadGatewayConfig(SECRET).identity).toEqual({
      roles: ["CUSTOMER", "STAFF", "ADMIN"],
      staffRoles: ["STAFF", "ADMIN"],
      issuers: [
        {
          issuer: "fedplat-accounts",
          audience: "fedplat",
          keys: { kind: "hs256", secret: SECRET.JWT_SECRET },
          claims: { id: "sub", roles: "role", scopes: "scope" },
        },
      ],
      apiKeyResolver: "accounts",
    });
  });

  it("reads JWT_SIGNING_KEYS (verification by kid, JWT_SECRET kept as the legacy key) and bounds SESSION_CHECK_MS to 5 s", () => {
    const keys = `k2:${"a".repeat(32)},k1:${"b".repeat(32)}`;
    expect(
      loadGatewayConfig({ GATEWAY_SIGNING_KEY: SECRET.GATEWAY_SIGNING_KEY, JWT_SIGNING_KEYS: keys }).identity.issuers[0]
        ?.keys,
    ).toEqual({ kind: "hs256", keys: { k2: "a".repeat(32), k1: "b".repeat(32) } });
    expect(loadGatewayConfig({ ...SECRET, JWT_SIGNING_KEYS: keys }).identity.issuers[0]?.keys).toEqual({
      kind: "hs256",
      keys: { k2: "a".repeat(32), k1: "b".repeat(32) },
      secret: SECRET.JWT_SECRET,
    });
    expect(() => loadGatewayConfig({ ...SECRET, JWT_SIGNING_KEYS: "k2:short" })).toThrow(
      /JWT_SIGNING_KEYS: key "k2": the secret must be at least 32 characters/,
    );
    expect(loadGatewayConfig({ ...SECRET }).sessionCheckMs).toBe(3_000);
    expect(() => loadGatewayConfig({ ...SECRET, SESSION_CHECK_MS: "30000" })).toThrow(/SESSION_CHECK_MS/);
  });

  it("adds issuers from IDENTITY_ISSUERS (JSON) and roles from IDENTITY_ROLES, naming the bad field and never a secret", () => {
    const base = { GATEWAY_SIGNING_KEY: SECRET.GATEWAY_SIGNING_KEY };
    const idp = { issuer: "https://idp.example", audience: "api", jwksUrl: "https://idp.example/certs" };
    const identity = loadGatewayConfig({
      ...base,
      IDENTITY_ISSUERS: JSON.stringify([
        { ...idp, claims: { roles: "realm_access.roles" }, roleMap: { boss: "MANAGER" } },
      ]),
      IDENTITY_ROLES: "MEMBER, MANAGER",
      IDENTITY_STAFF_ROLES: "MANAGER",
    }).identity;
    expect(identity).toMatchObject({
      roles: ["MEMBER", "MANAGER"],
      staffRoles: ["MANAGER"],
      apiKeyResolver: "accounts",
    });
    expect(identity.issuers).toEqual([
      {
        issuer: "https://idp.example",
        audience: "api",
        keys: { kind: "jwks", url: "https://idp.example/certs" },
        claims: { id: "sub", roles: "realm_access.roles", scopes: "scope" },
        roleMap: { boss: "MANAGER" },
      },
    ]);
    const issuers =
      (list: unknown, extra: Record<string, string> = {}) =>
      () =>
        loadGatewayConfig({ ...base, ...extra, IDENTITY_ISSUERS: JSON.stringify(list) });
    expect(issuers([{ ...idp, roleMap: { boss: "GOD" } }])).toThrow(
      /IDENTITY_ISSUERS\[0\]\.roleMap\.boss: maps to "GOD", which is not in roles/,
    );
    expect(issuers([idp, idp])).toThrow(
      /IDENTITY_ISSUERS\[1\]\.issuer: issuer "https:\/\/idp\.example" is listed twice/,
    );
    expect(issuers([{ ...idp, hs256: { secret: "s".repeat(40) } }])).toThrow(
      /IDENTITY_ISSUERS\[0\]: needs exactly one of jwksUrl or hs256/,
    );
    expect(issuers([{ issuer: "x", audience: "y", hs256: { secret: "too-short-secret" } }])).toThrow(
      /IDENTITY_ISSUERS\[0\]\.hs256\.secret: must be at least 32 characters/,
    );
    expect(issuers([{ issuer: "x", audience: "y", hs256: { secret: "too-short-secret" } }])).not.toThrow(
      /too-short-secret/,
    );
    expect(issuers([{ ...idp, claim: { roles: "r" } }])).toThrow(/IDENTITY_ISSUERS\[0\]: Unrecognized key: "claim"/);
    expect(issuers([idp], { IDENTITY_STAFF_ROLES: "JANITOR" })).toThrow(
      /IDENTITY_STAFF_ROLES: "JANITOR" is not in roles/,
    );
    expect(() => loadGatewayConfig({ ...base, IDENTITY_ISSUERS: "{not json" })).toThrow(
      /IDENTITY_ISSUERS: must be a JSON array of issuers/,
    );
    expect(() => loadGatewayConfig({ ...base, IDENTITY_ISSUERS: "[]" })).toThrow(/JWT_SECRET: required/);
  });

  it("reads TRUST_PROXY as false, a hop count or a list of proxy addresses/CIDRs, and names a bad entry", () => {
    const trust = (TRUST_PROXY: string) => loadGatewayConfig({ ...SECRET, TRUST_PROXY }).trustProxy;
    expect(loadGatewayConfig({ ...SECRET }).trustProxy).toBe(false);
    expect(trust("2")).toBe(2);
    expect(trust("10.0.0.0/8, 192.168.1.10,fd00::/8")).toBe("10.0.0.0/8,192.168.1.10,fd00::/8");
    expect(trust("loopback,uniquelocal")).toBe("loopback,uniquelocal");
    expect(() => trust("10.0.0.0/33")).toThrow(
      /TRUST_PROXY: must be true, false, a hop count.*"10\.0\.0\.0\/33" has an invalid prefix length/,
    );
    expect(() => trust("lb.internal")).toThrow(/TRUST_PROXY: .*"lb\.internal" is not an IP address or CIDR/);
    expect(() => trust("10.0.0.1,")).toThrow(/TRUST_PROXY: .*an empty entry/);
  });

  it("sets the HTTP server's header and request timeouts and header size deliberately, and refuses a headers timeout beyond the request timeout", () => {
    expect(loadGatewayConfig({ ...SECRET }).http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 65_000,
      maxHeaderBytes: 16_384,
    });
    expect(
      loadGatewayConfig({ ...SECRET, HTTP_HEADERS_TIMEOUT_MS: "5000", HTTP_MAX_HEADER_BYTES: "8192" }).http,
    ).toMatchObject({ headersTimeoutMs: 5_000, maxHeaderBytes: 8_192 });
    expect(() => loadGatewayConfig({ ...SECRET, HTTP_HEADERS_TIMEOUT_MS: "40000" })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS \(30000\)/,
    );
    expect(() => loadGatewayConfig({ ...SECRET, HTTP_MAX_HEADER_BYTES: "1024" })).toThrow(/HTTP_MAX_HEADER_BYTES/);
    expect(() => loadGatewayConfig({ ...SECRET, HTTP_KEEP_ALIVE_TIMEOUT_MS: "soon" })).toThrow(
      /HTTP_KEEP_ALIVE_TIMEOUT_MS/,
    );
  });

  it("reads progressive @override labels from OVERRIDE_LABELS and names a malformed one", () => {
    expect(loadGatewayConfig({ ...SECRET }).progressiveOverride).toEqual({ labels: {}, header: "" });
    const config = loadGatewayConfig({
      ...SECRET,
      OVERRIDE_LABELS: "beta, !legacy-billing",
      OVERRIDE_LABELS_HEADER: "X-Override-Labels",
    });
    expect(config.progressiveOverride).toEqual({
      labels: { beta: true, "legacy-billing": false },
      header: "x-override-labels",
    });
    expect(() => loadGatewayConfig({ ...SECRET, OVERRIDE_LABELS: "9lives" })).toThrow(
      /OVERRIDE_LABELS: "9lives": labels start with a letter.*\(currently: "9lives"; option gateway\.progressiveOverride\.labels\)/,
    );
    expect(() => loadGatewayConfig({ ...SECRET, OVERRIDE_LABELS_HEADER: "x override" })).toThrow(
      /OVERRIDE_LABELS_HEADER: must be an HTTP header name/,
    );
  });

  it("reads per-subgraph URL overrides, including names with dashes", () => {
    const config = loadGatewayConfig({
      ...SECRET,
      SUBGRAPH_ACCOUNTS_URL: "http://10.0.0.5:9001/graphql",
      SUBGRAPH_MY_SVC_URL: "https://svc.internal/graphql",
    });
    expect(config.subgraphUrls).toEqual({
      ACCOUNTS: "http://10.0.0.5:9001/graphql",
      MY_SVC: "https://svc.internal/graphql",
    });
    expect(() => checkOverrides(config.subgraphUrls, SUPERGRAPH)).not.toThrow();
  });

  it("fails at start when an override names a subgraph the supergraph lacks", () => {
    expect(() => checkOverrides({ INVENTORY: "http://x/graphql" }, SUPERGRAPH)).toThrow(ConfigError);
    expect(() => checkOverrides({ INVENTORY: "http://x/graphql" }, SUPERGRAPH)).toThrow(
      /SUBGRAPH_INVENTORY_URL: the supergraph has no such subgraph \(it has: accounts, my-svc\)/,
    );
  });
});
