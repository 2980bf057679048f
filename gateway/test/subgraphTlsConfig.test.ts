import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_IDENTITY_ENV } from "@fedplat/devkit";
import { checkOverrides, loadGatewayConfig } from "../src";

const SECRET = { JWT_SECRET: "x".repeat(32), GATEWAY_SIGNING_KEY: TEST_IDENTITY_ENV.GATEWAY_SIGNING_KEY ?? "" };
const SUPERGRAPH = 'enum join__Graph { ORDERS @join__graph(name: "orders", url: "https://orders:4003/graphql") }';
const dir = mkdtempSync(join(tmpdir(), "gateway-tls-"));
const pem = (name: string) => {
  writeFileSync(join(dir, name), `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----\n`);
  return join(dir, name);
};

describe("client certificates for subgraph calls", () => {
  it("reads each subgraph's certificate, key and CA files from SUBGRAPH_<NAME>_TLS_*", () => {
    expect(loadGatewayConfig(SECRET).subgraphTls).toEqual({});
    const config = loadGatewayConfig({
      ...SECRET,
      SUBGRAPH_ORDERS_TLS_CERT: pem("orders.crt"),
      SUBGRAPH_ORDERS_TLS_KEY: pem("orders.key"),
      SUBGRAPH_ORDERS_TLS_CA: pem("ca.crt"),
      SUBGRAPH_PAYMENTS_TLS_CA: pem("ca.crt"),
    });
    expect(config.subgraphTls).toEqual({
      ORDERS: {
        cert: expect.stringContaining("orders.crt"),
        key: expect.stringContaining("orders.key"),
        ca: expect.stringContaining("ca.crt"),
      },
      PAYMENTS: { ca: expect.stringContaining("ca.crt") },
    });
    expect(() => checkOverrides({}, SUPERGRAPH, {}, config.subgraphTls)).toThrow(
      /SUBGRAPH_PAYMENTS_TLS_\*: the supergraph has no such subgraph/,
    );
  });

  it("names the variable of an unreadable file, and a certificate without its key", () => {
    expect(() => loadGatewayConfig({ ...SECRET, SUBGRAPH_ORDERS_TLS_CA: join(dir, "nope.crt") })).toThrow(
      /SUBGRAPH_ORDERS_TLS_CA: cannot read .*nope.crt/,
    );
    expect(() => loadGatewayConfig({ ...SECRET, SUBGRAPH_ORDERS_TLS_CERT: pem("lonely.crt") })).toThrow(
      /SUBGRAPH_ORDERS_TLS_CERT, SUBGRAPH_ORDERS_TLS_KEY: a client certificate needs its key/,
    );
  });
});
