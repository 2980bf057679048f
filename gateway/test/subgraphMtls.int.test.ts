import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { createLogger, createMetrics, createRedis, type Redis } from "@fedplat/runtime";
import {
  graphqlRequest,
  repoRoot,
  startTestSubgraph,
  TEST_GATEWAY_KEY,
  TEST_JWT_SECRET,
  type TestSubgraph,
} from "@fedplat/devkit";
import tls from "node:tls";
import { callSubgraph } from "@fedplat/auth";
import { accountsIdentity, buildGateway, defaultLimits } from "../src";
import type { AccountsDispatcher } from "../src/features/identity";
import { createSubgraphDispatchers, type SubgraphTlsOptions } from "../src/transport/subgraphTls";
import { createThrowawayPki, type ThrowawayPki } from "./fixtures/throwawayCertificates";

const supergraphSdl = readFileSync(join(repoRoot, "supergraph.graphql"), "utf8");
const PRODUCTS = /* GraphQL */ "query Products { products(first: 2) { totalCount } }";

let pki: ThrowawayPki;
let redis: Redis;
let catalog: TestSubgraph<CatalogPrisma>;

beforeAll(async () => {
  pki = createThrowawayPki();
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "mtls-test");
  catalog = await startTestSubgraph({
    createPrisma: createCatalogPrisma,
    build: buildCatalogServer,
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca, requireClientCert: true },
  });
});
afterAll(async () => {
  await catalog?.stop();
  await redis?.quit();
  pki?.remove();
});

/** Products through a gateway whose calls to catalog use `tls`. */
async function productsVia(tls: SubgraphTlsOptions) {
  const gateway = await buildGateway({
    supergraphSdl,
    subgraphUrls: { CATALOG: catalog.url },
    subgraphTls: { CATALOG: tls },
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    logger: createLogger("mtls-test", "silent"),
    metrics: createMetrics("gateway"),
  });
  try {
    const url = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
    return await graphqlRequest<{ products: { totalCount: number } }>(url, PRODUCTS);
  } finally {
    await gateway.close();
  }
}

/**
 * How a TLS connection to catalog ends after an HTTP request is written: the error code of the
 * server's TLS alert, "answered" when HTTP answered, or "closed without an answer".
 */
function tlsFailure(options: tls.ConnectionOptions): Promise<string | undefined> {
  const { hostname, port } = new URL(catalog.url);
  return new Promise((resolve) => {
    const socket = tls.connect({ ...options, host: hostname, port: Number(port) }, () =>
      socket.write("POST /graphql HTTP/1.1\r\nhost: catalog\r\ncontent-length: 0\r\n\r\n"),
    );
    socket.on("data", () => {
      resolve("answered");
      socket.destroy();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code));
    socket.on("close", () => resolve("closed without an answer"));
  });
}

describe("mTLS between the gateway and a subgraph that requires client certificates", () => {
  it("serves a gateway presenting a certificate signed by the subgraph's CA", async () => {
    const res = await productsVia({ cert: pki.client.cert, key: pki.client.key, ca: pki.ca });
    expect(res.errors).toBeUndefined();
    expect(res.data?.products.totalCount).toBe(200);
  });

  it("refuses a gateway without a client certificate: the TLS handshake fails, no query runs", async () => {
    const before = catalog.statements();
    const res = await productsVia({ ca: pki.ca });
    expect(res.errors?.[0]).toMatchObject({
      message: 'Subgraph "catalog" is unavailable',
      extensions: { code: "SUBGRAPH_UNAVAILABLE", serviceName: "catalog" },
    });
    expect(catalog.statements()).toBe(before);
    // the defence that fired: the server's TLS alert, certificate required
    expect(await tlsFailure({ ca: pki.ca })).toBe("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED");
  });

  it("refuses a gateway whose certificate another CA signed", async () => {
    const before = catalog.statements();
    const res = await productsVia({ cert: pki.rogueClient.cert, key: pki.rogueClient.key, ca: pki.ca });
    expect(res.errors?.[0]).toMatchObject({ extensions: { code: "SUBGRAPH_UNAVAILABLE", serviceName: "catalog" } });
    expect(catalog.statements()).toBe(before);
    // the defence that fired: the server verifies the certificate and drops the connection before HTTP
    expect(await tlsFailure({ ca: pki.ca, cert: pki.rogueClient.cert, key: pki.rogueClient.key })).toBe(
      "closed without an answer",
    );
    expect(await tlsFailure({ ca: pki.ca, cert: pki.client.cert, key: pki.client.key })).toBe("answered");
  });

  it("refuses a gateway that does not trust the subgraph's server certificate", async () => {
    const res = await productsVia({ cert: pki.client.cert, key: pki.client.key });
    expect(res.errors?.[0]).toMatchObject({ extensions: { code: "SUBGRAPH_UNAVAILABLE", serviceName: "catalog" } });
  });

  it("presents the certificate on the gateway's direct calls too (accounts' session and API-key look-ups)", async () => {
    const dispatchers = createSubgraphDispatchers(() => ({ cert: pki.client.cert, key: pki.client.key, ca: pki.ca }));
    const call = (dispatcher?: AccountsDispatcher) =>
      callSubgraph<{ data?: { products: { totalCount: number } } }>({
        url: catalog.url,
        query: PRODUCTS,
        variables: {},
        identity: { caller: { kind: "gateway" }, viewer: null },
        signingKey: TEST_GATEWAY_KEY,
        audience: "catalog",
        timeoutMs: 5_000,
        ...(dispatcher ? { dispatcher } : {}),
      });
    try {
      expect((await call(dispatchers.forGlobalFetch("catalog"))).data?.products.totalCount).toBe(200);
      await expect(call()).rejects.toThrow();
    } finally {
      await dispatchers.close();
    }
  });
});
