import http from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { signAccessToken } from "@fedplat/auth";
import { createLogger, createRedis, type Redis } from "@fedplat/runtime";
import { graphqlRequest, repoRoot, TEST_GATEWAY_KEY, TEST_IDENTITY_ENV, TEST_JWT_SECRET } from "@fedplat/devkit";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayServer, loadGatewayConfig } from "../src";

const supergraphSdl = readFileSync(join(repoRoot, "supergraph.graphql"), "utf8");
const SECRET = { JWT_SECRET: "x".repeat(32), GATEWAY_SIGNING_KEY: TEST_IDENTITY_ENV.GATEWAY_SIGNING_KEY ?? "" };
const BOTH = /* GraphQL */ "{ products(first: 1) { totalCount } orders(first: 1) { totalCount } }";

let redis: Redis;
let gateway: GatewayServer;
let url: string;
/** Stands in for catalog (/catalog) and orders (/orders), recording the headers each receives. */
let subgraphs: http.Server;
const received: Record<string, http.IncomingHttpHeaders> = {};

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "headers-test");
  subgraphs = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const name = req.url?.slice(1) ?? "";
      received[name] = req.headers;
      const data = name === "catalog" ? { products: { totalCount: 7 } } : { orders: { totalCount: 3 } };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data }));
    });
  });
  await new Promise<void>((resolve) => subgraphs.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(subgraphs.address() as AddressInfo).port}`;
  const { headerPropagation } = loadGatewayConfig({
    ...SECRET,
    PROPAGATE_HEADERS: "accept-language, x-tenant:x-tenant-id, x-client-version=unknown",
    SUBGRAPH_CATALOG_PROPAGATE_HEADERS: "x-debug, accept-language:content-language",
  });
  gateway = await buildGateway({
    supergraphSdl,
    subgraphUrls: { CATALOG: `${base}/catalog`, ORDERS: `${base}/orders` },
    headerPropagation,
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    logger: createLogger("headers-test", "silent"),
  });
  url = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
});
afterAll(async () => {
  await gateway?.close();
  await new Promise((resolve) => subgraphs?.close(resolve));
  await redis?.quit();
});

/** A signed-in customer: orders' fields are @authenticated, so anonymous callers never reach orders. */
const customer = async () => ({
  authorization: `Bearer ${await signAccessToken({ id: randomUUID(), role: "CUSTOMER" }, TEST_JWT_SECRET)}`,
});

describe("header propagation", () => {
  it("copies allowlisted headers, renamed and defaulted, per subgraph; never credentials or the gateway's own headers", async () => {
    const res = await graphqlRequest(url, BOTH, undefined, {
      ...(await customer()),
      "accept-language": "fr-CH",
      "x-tenant": "acme",
      "x-debug": "1",
      "x-other": "not listed",
      cookie: "session=abc",
      "x-fedplat-identity": "forged",
      "x-request-id": "client-chosen",
    });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ products: { totalCount: 7 }, orders: { totalCount: 3 } });

    const orders = received.orders ?? {};
    expect(orders).toMatchObject({ "accept-language": "fr-CH", "x-tenant-id": "acme", "x-client-version": "unknown" });
    for (const absent of ["x-tenant", "x-debug", "x-other", "cookie", "authorization", "content-language"])
      expect(orders[absent]).toBeUndefined();

    // catalog's own rules on top: x-debug, and accept-language also sent as content-language
    const catalog = received.catalog ?? {};
    expect(catalog).toMatchObject({
      "accept-language": "fr-CH",
      "content-language": "fr-CH",
      "x-debug": "1",
      "x-tenant-id": "acme",
    });
    expect(catalog.cookie).toBeUndefined();

    for (const headers of [orders, catalog]) {
      expect(headers["x-fedplat-identity"]).not.toBe("forged");
      expect(headers["x-fedplat-identity"]).toMatch(/^ey/);
    }
  });

  it("sends the defaults when the client sent nothing", async () => {
    await graphqlRequest(url, BOTH, undefined, await customer());
    expect(received.orders?.["x-client-version"]).toBe("unknown");
    expect(received.orders?.["x-tenant-id"]).toBeUndefined();
  });
});

describe("header propagation configuration", () => {
  it("reads rules from a YAML list too, and forwards credentials only when allowed", () => {
    const file = {
      values: {
        gateway: {
          headerPropagation: {
            all: ["accept-language", { name: "X-Tenant", rename: "X-Tenant-Id", default: "public" }],
            subgraphs: { ORDERS: ["authorization"] },
            allowCredentialHeaders: true,
          },
        },
      },
    };
    expect(loadGatewayConfig(SECRET, file).headerPropagation).toEqual({
      all: [{ name: "accept-language" }, { name: "x-tenant", rename: "x-tenant-id", default: "public" }],
      subgraphs: { ORDERS: [{ name: "authorization" }] },
    });
  });

  it("refuses credential headers unless allowed, headers the gateway sets, and malformed rules, naming each", () => {
    expect(() => loadGatewayConfig({ ...SECRET, PROPAGATE_HEADERS: "cookie" })).toThrow(
      /PROPAGATE_HEADERS: "cookie" carries the client's credentials: set allowCredentialHeaders/,
    );
    expect(() =>
      loadGatewayConfig({ ...SECRET, SUBGRAPH_ORDERS_PROPAGATE_HEADERS: "x-user:x-fedplat-identity" }),
    ).toThrow(/"x-fedplat-identity" is set by the gateway or HTTP, never by a client/);
    expect(() => loadGatewayConfig({ ...SECRET, PROPAGATE_HEADERS: "a:b:c" })).toThrow(
      /PROPAGATE_HEADERS: "a:b:c": write name/,
    );
    expect(() => loadGatewayConfig({ ...SECRET, PROPAGATE_HEADERS: "bad header" })).toThrow(
      /"bad header" is not a header name/,
    );
  });
});
