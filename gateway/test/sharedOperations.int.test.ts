import http from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { signAccessToken } from "@fedplat/auth";
import { createLogger, createMetrics, createRedis, type Redis } from "@fedplat/runtime";
import { repoRoot, TEST_GATEWAY_KEY, TEST_JWT_SECRET } from "@fedplat/devkit";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayServer } from "../src";

/*
 * Operation dedupe (features/dedupe/shareOperations.ts) through a real gateway: identical in-flight
 * queries of one viewer run once, and nothing a viewer may not see, nor anything of how the response
 * may be cached, is lost or leaks between callers. Subgraph-fetch dedupe is off, so every execution
 * the gateway runs reaches the stand-in catalog.
 */
const supergraphSdl = readFileSync(join(repoRoot, "supergraph.graphql"), "utf8");
const PRODUCTS = /* GraphQL */ "query Products($first: Int) { products(first: $first) { totalCount } }";
const WITH_AUDIT = /* GraphQL */ `query WithAudit { products(first: 1) { totalCount } catalogAuditLog(first: 1) { pageInfo { hasNextPage } } }`;

let redis: Redis;
let gateway: GatewayServer;
let metrics: ReturnType<typeof createMetrics>;
let url: string;
/** The stand-in catalog: answers after 150 ms (so requests overlap) with the Cache-Control it is given. */
let catalog: http.Server;
let catalogHits = 0;
let cacheControl = "max-age=60, public";

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "shared-operations-test");
  catalog = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      catalogHits += 1;
      const { variables } = JSON.parse(body) as { variables?: { first?: number } };
      const data = {
        products: { totalCount: 100 + (variables?.first ?? 1) },
        catalogAuditLog: { pageInfo: { hasNextPage: true } },
      };
      setTimeout(() => {
        res.writeHead(200, { "content-type": "application/json", "cache-control": cacheControl });
        res.end(JSON.stringify({ data }));
      }, 150);
    });
  });
  await new Promise<void>((resolve) => catalog.listen(0, "127.0.0.1", resolve));
  metrics = createMetrics("gateway");
  gateway = await buildGateway({
    supergraphSdl,
    subgraphUrls: { CATALOG: `http://127.0.0.1:${(catalog.address() as AddressInfo).port}/graphql` },
    dedupeSubgraphFetches: false,
    headerPropagation: { all: [{ name: "accept-language" }], subgraphs: {} },
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    metrics,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    logger: createLogger("shared-operations-test", "silent"),
  });
  url = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
});
afterAll(async () => {
  await gateway?.close();
  await new Promise((resolve) => catalog?.close(resolve));
  await redis?.quit();
});
beforeEach(() => {
  catalogHits = 0;
  cacheControl = "max-age=60, public";
});

const tokenFor = (role: string, id = randomUUID()) => signAccessToken({ id, role }, TEST_JWT_SECRET);

interface Answer {
  status: number;
  cacheControl: string | null;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

async function ask(
  query: string,
  options: { token?: string; variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables ?? {} }),
  });
  return {
    status: res.status,
    cacheControl: res.headers.get("cache-control"),
    body: (await res.json()) as Answer["body"],
  };
}

async function joined(): Promise<number> {
  const metric = await metrics.registry.getSingleMetric("gateway_operations_joined_total")?.get();
  return metric?.values[0]?.value ?? 0;
}

describe("operation dedupe: identical in-flight queries share one execution", () => {
  it("runs ten identical queries of one viewer once; each answer is whole and carries the cache policy", async () => {
    const token = await tokenFor("CUSTOMER");
    const before = await joined();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => ask(PRODUCTS, { token, variables: { first: 2 } })),
    );
    expect(catalogHits).toBe(1);
    expect(await joined()).toBe(before + 9);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ data: { products: { totalCount: 102 } } });
      // The subgraph's Cache-Control restricted the leader's policy; every joiner's too.
      expect(answer.cacheControl).toBe("max-age=60, public");
    }
  });

  it("replays a private answer's policy on every caller: no joiner's response becomes public", async () => {
    cacheControl = "max-age=30, private";
    const token = await tokenFor("CUSTOMER");
    const answers = await Promise.all(Array.from({ length: 5 }, () => ask(PRODUCTS, { token })));
    expect(catalogHits).toBe(1);
    expect(answers.map((answer) => answer.cacheControl)).toEqual(Array(5).fill("max-age=30, private"));
  });

  it("never shares between viewers, variables or propagated client headers, nor across time", async () => {
    const [alice, bob] = [await tokenFor("CUSTOMER"), await tokenFor("CUSTOMER")];
    const answers = await Promise.all([
      ask(PRODUCTS, { token: alice, variables: { first: 1 } }),
      ask(PRODUCTS, { token: alice, variables: { first: 1 }, headers: { "x-unlisted": "ignored" } }),
      ask(PRODUCTS, { token: bob, variables: { first: 1 } }),
      ask(PRODUCTS, { variables: { first: 1 } }),
      ask(PRODUCTS, { token: alice, variables: { first: 3 } }),
      ask(PRODUCTS, { token: alice, variables: { first: 1 }, headers: { "accept-language": "fr-CH" } }),
      ask(PRODUCTS, { token: alice, variables: { first: 1 }, headers: { "accept-language": "de-CH" } }),
    ]);
    // alice's first two share (a header no rule propagates changes nothing); the other five run apart.
    expect(catalogHits).toBe(6);
    expect(answers.map((answer) => answer.body.data)).toEqual([
      ...Array(4).fill({ products: { totalCount: 101 } }),
      { products: { totalCount: 103 } },
      ...Array(2).fill({ products: { totalCount: 101 } }),
    ]);
    await ask(PRODUCTS, { token: alice, variables: { first: 1 } });
    expect(catalogHits).toBe(7); // not a cache: the shared execution is gone once answered
  });

  it("shares what authorization decided for the viewer: each customer is refused, the admin beside them is not", async () => {
    const customer = await tokenFor("CUSTOMER");
    const admin = await tokenFor("ADMIN");
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => ask(WITH_AUDIT, { token: customer })),
      ask(WITH_AUDIT, { token: admin }),
    ]);
    // One execution for the customer's four requests (catalogAuditLog removed from its plan), one for the admin.
    expect(catalogHits).toBe(2);
    for (const answer of answers.slice(0, 4)) {
      // catalogAuditLog is non-null: its removal nulls the whole answer, with authorization's error.
      expect(answer.body.data).toBeNull();
      expect(answer.body.errors?.map((error) => error.extensions?.code)).toEqual(["UNAUTHORIZED_FIELD_OR_TYPE"]);
      // What depends on who asks is never public.
      expect(answer.cacheControl).not.toMatch(/public/);
    }
    expect(answers[4]?.body).toEqual({
      data: { products: { totalCount: 101 }, catalogAuditLog: { pageInfo: { hasNextPage: true } } },
    });
  });

  it("runs every mutation", async () => {
    const admin = await tokenFor("ADMIN");
    const mutation = /* GraphQL */ `mutation { updateProduct(id: "p-1", input: { name: "Lamp" }) { id } }`;
    await Promise.all(Array.from({ length: 3 }, () => ask(mutation, { token: admin })));
    expect(catalogHits).toBe(3);
  });
});
