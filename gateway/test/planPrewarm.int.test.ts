import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, createMetrics, type ServiceMetrics } from "@fedplat/runtime";
import { buildGateway, type GatewayServer } from "../src";
import { loadPersistedDocumentManifest, type PersistedDocumentManifest } from "../src/features/persistedDocuments";
import { sha256Hex } from "../src/features/persistedDocuments/persistedDocumentManifest";
import { createRedisKeyValueCache } from "../src/features/responseCache/redisKeyValueCache";
import { type AccountsCatalogOrders, startAccountsCatalogOrders } from "./accountsCatalogOrders";

const PRODUCTS = /* GraphQL */ "query Products { products(first: 2) { totalCount } }";
const ANONYMOUS = /* GraphQL */ "{ products(first: 1) { edges { node { name } } } }";
/** Two operations in one document: each is planned by its name. */
const TWO = /* GraphQL */ "query A { products(first: 1) { totalCount } } query B { products(first: 3) { totalCount } }";
/** Trusted once, no longer on this supergraph: skipped, the gateway still starts. */
const STALE = /* GraphQL */ "query Gone { noSuchField }";
const LATER = /* GraphQL */ "query Later { products(first: 4) { totalCount } }";

const logger = createLogger("plan-prewarm-test", "silent");
let services: AccountsCatalogOrders;
let dir: string;
let manifestPath: string;
let manifest: PersistedDocumentManifest;
let metrics: ServiceMetrics;
let gateway: GatewayServer;
let url: string;

const writeManifest = (documents: string[]) =>
  writeFileSync(
    manifestPath,
    JSON.stringify(Object.fromEntries(documents.map((document) => [`sha256:${sha256Hex(document)}`, document]))),
  );

async function count(name: string, label: string, value: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values.find((sample) => sample.labels[label] === value)?.value ?? 0;
}
const plansBuilt = (when: "ahead" | "on_request") => count("gateway_query_plans_built_total", "when", when);
const lookups = (result: "hit" | "miss") => count("gateway_query_plan_cache_lookups_total", "result", result);

async function post(body: object) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "apollo-require-preflight": "true" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: unknown[] } };
}
const byId = (document: string, operationName?: string) => ({
  ...(operationName ? { operationName } : {}),
  extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(document) } },
});

beforeAll(async () => {
  services = await startAccountsCatalogOrders("plan-prewarm-test");
  dir = mkdtempSync(join(tmpdir(), "plan-prewarm-"));
  manifestPath = join(dir, "persisted-documents.json");
  writeManifest([PRODUCTS, ANONYMOUS, TWO, STALE]);
  manifest = loadPersistedDocumentManifest(manifestPath, logger);
  metrics = createMetrics("gateway");
  gateway = await buildGateway({
    ...services.gatewayOptions(),
    metrics,
    persistedQueries: {
      cache: createRedisKeyValueCache(services.redis, `test:apq:${randomUUID()}:`, logger),
      mode: "allow",
      manifest,
    },
  });
  url = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
});
afterAll(async () => {
  await gateway?.close();
  await services?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("query plans of trusted documents are built before clients ask", () => {
  it("plans every operation of the manifest at start, skipping a document this supergraph refuses", async () => {
    // Products, the anonymous query, A and B; not Gone.
    expect(await plansBuilt("ahead")).toBe(4);
    expect(await plansBuilt("on_request")).toBe(0);
  });

  it("serves trusted documents from the cache, by id or text, with or without the operation name", async () => {
    const hitsBefore = await lookups("hit");
    // One after the other: concurrent identical queries would share one execution (one plan look-up).
    const answers = [];
    for (const body of [byId(PRODUCTS, "Products"), byId(PRODUCTS), { query: ANONYMOUS }, byId(TWO, "B")])
      answers.push(await post(body));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
    }
    expect(answers[0]?.body.data).toEqual({ products: { totalCount: expect.any(Number) } });
    expect(await lookups("hit")).toBe(hitsBefore + 4);
    expect(await plansBuilt("on_request")).toBe(0);
  });

  it("still plans a document outside the manifest on its first request (allow mode), and only once", async () => {
    const other = { query: /* GraphQL */ "{ products(first: 5) { totalCount } }" };
    expect((await post(other)).status).toBe(200);
    expect((await post(other)).status).toBe(200);
    expect(await plansBuilt("on_request")).toBe(1);
  });

  it("plans the documents a reloaded manifest adds, without planning the others again", async () => {
    writeManifest([PRODUCTS, ANONYMOUS, TWO, STALE, LATER]);
    manifest.reload(); // what the gateway's SIGHUP handler does (caching.ts)
    const deadline = Date.now() + 10_000;
    while ((await plansBuilt("ahead")) < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await plansBuilt("ahead")).toBe(5);
    expect((await post(byId(LATER, "Later"))).status).toBe(200);
    expect(await plansBuilt("on_request")).toBe(1);
  });
});
