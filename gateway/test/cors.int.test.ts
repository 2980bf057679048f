import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { createLogger, createRedis, type Redis } from "@fedplat/runtime";
import { repoRoot, TEST_GATEWAY_KEY, TEST_JWT_SECRET } from "@fedplat/devkit";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayOptions, type GatewayServer } from "../src";

const supergraphSdl = readFileSync(join(repoRoot, "supergraph.graphql"), "utf8");
const TYPENAME = JSON.stringify({ query: /* GraphQL */ "{ __typename }" });

let redis: Redis;
const gateways: GatewayServer[] = [];

beforeAll(() => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "cors-test");
});
afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await redis?.quit();
});

async function start(options: Partial<GatewayOptions>): Promise<string> {
  const gateway = await buildGateway({
    supergraphSdl,
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    logger: createLogger("cors-test", "silent"),
    ...options,
  });
  gateways.push(gateway);
  return `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
}

/** A browser's preflight for a JSON POST from `origin`. */
const preflight = (url: string, origin: string) =>
  fetch(url, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type,authorization",
    },
  });

describe("CORS with configured origins (production)", () => {
  let url: string;
  beforeAll(async () => {
    url = await start({
      production: true,
      cors: {
        origins: ["https://shop.example.com", "https://*.partner.example"],
        credentials: true,
        methods: ["GET", "POST"],
        maxAgeSeconds: 300,
      },
    });
  });

  it("answers an allowed origin's preflight with its origin, credentials, methods and max age", async () => {
    const response = await preflight(url, "https://shop.example.com");
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    expect(response.headers.get("access-control-allow-methods")).toBe("GET,POST");
    expect(response.headers.get("access-control-allow-headers")).toBe("content-type,authorization");
    expect(response.headers.get("access-control-max-age")).toBe("300");
    expect(response.headers.get("vary")).toMatch(/origin/i);
  });

  it("allows subdomains of a wildcard entry, and nothing that only resembles them", async () => {
    const allowed = await preflight(url, "https://eu.app.partner.example");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://eu.app.partner.example");
    for (const origin of [
      "https://partner.example",
      "https://partner.example.evil.com",
      "https://evilpartner.example",
      "http://app.partner.example",
      "https://evil.com",
    ]) {
      const refused = await preflight(url, origin);
      expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    }
  });

  it("sends the allowed origin with an answer, and none to another origin", async () => {
    const allowed = await fetch(url, {
      method: "POST",
      headers: { origin: "https://shop.example.com", "content-type": "application/json" },
      body: TYPENAME,
    });
    expect(await allowed.json()).toEqual({ data: { __typename: "Query" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
    const other = await fetch(url, {
      method: "POST",
      headers: { origin: "https://evil.com", "content-type": "application/json" },
      body: TYPENAME,
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("keeps CSRF prevention: a simple request from an allowed origin, which needs no preflight, is refused", async () => {
    const simplePost = await fetch(url, {
      method: "POST",
      headers: { origin: "https://shop.example.com", "content-type": "text/plain" },
      body: TYPENAME,
    });
    expect(simplePost.status).toBe(400);
    expect(await simplePost.text()).toMatch(/CSRF/);
    const simpleGet = await fetch(`${url}?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { origin: "https://shop.example.com" },
    });
    expect(simpleGet.status).toBe(400);
    expect(await simpleGet.text()).toMatch(/CSRF/);
  });
});

describe("CORS defaults", () => {
  it("allows no origin in production", async () => {
    const url = await start({ production: true });
    const response = await preflight(url, "https://shop.example.com");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows any origin in development, without credentials", async () => {
    const url = await start({});
    const response = await preflight(url, "http://localhost:5173");
    expect(response.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
  });
});
