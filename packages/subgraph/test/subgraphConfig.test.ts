import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateIdentityKeyPair } from "@fedplat/auth";
import { ConfigError } from "@fedplat/runtime";
import { loadSubgraphConfig } from "../src";

// Keys of its own: @fedplat/devkit's test keys would make this package depend on devkit, which depends on it.
const gateway = generateIdentityKeyPair("gw-1");
const orders = generateIdentityKeyPair("ord-1");
const TEST_IDENTITY_ENV = { GATEWAY_VERIFY_KEYS: gateway.verifyKeys, ORDERS_SERVICE_VERIFY_KEYS: orders.verifyKeys };

const catalog = { name: "catalog", defaultPort: 4002, trustsServices: ["orders"] };

describe("a subgraph's configuration", () => {
  it("listens on its default port in development, on the service's database, trusting the gateway and the services it names", () => {
    const config = loadSubgraphConfig(catalog, { ...TEST_IDENTITY_ENV, CATALOG_DATABASE_URL: "postgresql://c/x" });
    expect(config).toMatchObject({ port: 4002, production: false, databaseUrl: "postgresql://c/x" });
    expect([...config.identityTrust.gateway.keys()]).toEqual(["gw-1"]);
    expect(Object.keys(config.identityTrust.services ?? {})).toEqual(["orders"]);
    expect(loadSubgraphConfig(catalog, { ...TEST_IDENTITY_ENV, PORT: "0", NODE_ENV: "production" })).toMatchObject({
      port: 0,
      production: true,
    });
  });

  it("refuses to start without the keys of the gateway or of a trusted service, naming each variable", () => {
    const { GATEWAY_VERIFY_KEYS } = TEST_IDENTITY_ENV;
    expect(() => loadSubgraphConfig(catalog, {})).toThrow(ConfigError);
    expect(() => loadSubgraphConfig(catalog, {})).toThrow(/ GATEWAY_VERIFY_KEYS: required: a JSON array/);
    expect(() => loadSubgraphConfig(catalog, { GATEWAY_VERIFY_KEYS })).toThrow(
      / ORDERS_SERVICE_VERIFY_KEYS: required: a JSON array .*option identity\.trust\.serviceVerifyKeys\.ORDERS/,
    );
    expect(() => loadSubgraphConfig(catalog, { GATEWAY_VERIFY_KEYS, ORDERS_SERVICE_VERIFY_KEYS: "[]" })).toThrow(
      / ORDERS_SERVICE_VERIFY_KEYS: must be a non-empty JSON array/,
    );
    // A subgraph that trusts no service does not read another's keys, even malformed ones.
    const payments = { name: "payments", defaultPort: 4004 };
    expect(
      loadSubgraphConfig(payments, { GATEWAY_VERIFY_KEYS, ORDERS_SERVICE_VERIFY_KEYS: "[]" }).identityTrust.services,
    ).toEqual({});
  });

  it("never prints a key it refuses, even a private one pasted as a public key", () => {
    const privateJwk = JSON.parse(gateway.signingKey) as { d: string };
    let message = "";
    try {
      loadSubgraphConfig(catalog, { ...TEST_IDENTITY_ENV, GATEWAY_VERIFY_KEYS: `[${gateway.signingKey}]` });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/ GATEWAY_VERIFY_KEYS: key gw-1 is a private key.*\(currently: set, hidden;/);
    expect(message).not.toContain(privateJwk.d);
  });

  it("refuses a port or database URL that is not one, naming the variable", () => {
    const attempt = () =>
      loadSubgraphConfig(catalog, { ...TEST_IDENTITY_ENV, PORT: "http", DATABASE_URL: "mysql://x" });
    expect(attempt).toThrow(/\n {2}PORT: .*\(currently: "http"; option subgraphs\.catalog\.port\)/);
    expect(attempt).toThrow(
      /\n {2}DATABASE_URL: must be a postgresql:\/\/ URL \(currently: set, hidden; option database\.url\)/,
    );
  });

  it("serves HTTPS with TLS_CERT and TLS_KEY, requiring client certificates of TLS_CA when asked (mTLS)", () => {
    const dir = mkdtempSync(join(tmpdir(), "subgraph-tls-"));
    const pem = (name: string, label: string) => {
      writeFileSync(join(dir, name), `-----BEGIN ${label}-----\n${name}\n-----END ${label}-----\n`);
      return join(dir, name);
    };
    const files = { TLS_CERT: pem("cert.pem", "CERTIFICATE"), TLS_KEY: pem("key.pem", "PRIVATE KEY") };
    expect(loadSubgraphConfig(catalog, TEST_IDENTITY_ENV).tls).toBeUndefined();
    expect(
      loadSubgraphConfig(catalog, {
        ...TEST_IDENTITY_ENV,
        ...files,
        TLS_CA: pem("ca.pem", "CERTIFICATE"),
        TLS_REQUIRE_CLIENT_CERT: "true",
      }).tls,
    ).toEqual({
      cert: expect.stringContaining("cert.pem"),
      key: expect.stringContaining("key.pem"),
      ca: expect.stringContaining("ca.pem"),
      requireClientCert: true,
    });
    expect(() => loadSubgraphConfig(catalog, { ...TEST_IDENTITY_ENV, TLS_CERT: files.TLS_CERT })).toThrow(
      /TLS_CERT, TLS_KEY: a certificate needs its key/,
    );
    expect(() =>
      loadSubgraphConfig(catalog, { ...TEST_IDENTITY_ENV, ...files, TLS_REQUIRE_CLIENT_CERT: "true" }),
    ).toThrow(/TLS_REQUIRE_CLIENT_CERT: needs TLS_CERT, TLS_KEY and TLS_CA/);
    expect(() =>
      loadSubgraphConfig(catalog, { ...TEST_IDENTITY_ENV, ...files, TLS_CA: join(dir, "missing.pem") }),
    ).toThrow(/TLS_CA: cannot read .*missing.pem/);
    writeFileSync(join(dir, "notes.txt"), "not a certificate");
    expect(() =>
      loadSubgraphConfig(catalog, { ...TEST_IDENTITY_ENV, ...files, TLS_CA: join(dir, "notes.txt") }),
    ).toThrow(/TLS_CA: .*notes.txt is not a PEM file/);
  });
});
