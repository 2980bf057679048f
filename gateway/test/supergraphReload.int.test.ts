import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { composeServices } from "@apollo/composition";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { createLogger, createMetrics, createRedis, type Redis } from "@fedplat/runtime";
import {
  graphqlRequest,
  repoRoot,
  startTestSubgraph,
  TEST_GATEWAY_KEY,
  TEST_JWT_SECRET,
  type TestSubgraph,
  waitFor,
} from "@fedplat/devkit";
import { parse } from "graphql";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayServer } from "../src";
import { supergraphHash } from "../src/supergraph";

const catalogSdl = readFileSync(join(repoRoot, "subgraphs/catalog/src/schema.graphql"), "utf8");

/** A supergraph of the catalog subgraph alone, its SDL edited by `edit`. */
function supergraphOf(url: string, edit: (sdl: string) => string = (sdl) => sdl): string {
  const result = composeServices([{ name: "catalog", url, typeDefs: parse(edit(catalogSdl)) }]);
  if (result.errors || !result.supergraphSdl) throw new Error(String(result.errors));
  return result.supergraphSdl;
}

let redis: Redis;
let catalog: TestSubgraph<CatalogPrisma>;
let gateway: GatewayServer;
let base: string;
let path: string;
let v1: string;
/** v1 without Product.description: clients selecting it are refused once v2 is served. */
let v2: string;

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "supergraph-reload-test");
  catalog = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer });
  v1 = supergraphOf(catalog.url);
  v2 = supergraphOf(catalog.url, (sdl) => sdl.replace(/^ {2}description: String\n/m, ""));
  path = join(mkdtempSync(join(tmpdir(), "fedplat-supergraph-")), "supergraph.graphql");
  writeFileSync(path, v1);
  gateway = await buildGateway({
    supergraphSdl: v1,
    supergraphUpdates: { path, intervalMs: 100 },
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    // the load below is one client far above the anonymous budget
    limits: {
      ...defaultLimits,
      rate: { ...defaultLimits.rate, anonymousPerMinute: 1e6, ipPerMinute: 1e6, keyPrefix: `test:${randomUUID()}` },
    },
    logger: createLogger("supergraph-reload-test", "silent"),
    metrics: createMetrics("gateway"),
  });
  base = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}`;
});
afterAll(async () => {
  await gateway?.close();
  await catalog?.stop();
  await redis?.quit();
});

const PRODUCTS = /* GraphQL */ "query Products { products(first: 3) { totalCount edges { node { id name } } } }";
const WITH_DESCRIPTION = /* GraphQL */ "query Described { products(first: 1) { edges { node { description } } } }";
const served = async () =>
  ((await (await fetch(`${base}/health/ready`)).json()) as { supergraph: { hash: string; refused?: string } })
    .supergraph;
const metrics = async () => (await fetch(`${base}/metrics`)).text();

describe("a new supergraph while serving", () => {
  it("switches atomically under load: no request fails, and the next ones see the new schema", async () => {
    expect((await served()).hash).toBe(supergraphHash(v1));
    expect((await graphqlRequest(`${base}/graphql`, WITH_DESCRIPTION)).errors).toBeUndefined();

    let running = true;
    const outcomes: string[] = [];
    const client = async () => {
      while (running) {
        const response = await graphqlRequest<{ products: { totalCount: number } }>(`${base}/graphql`, PRODUCTS);
        outcomes.push(response.errors ? String(response.errors[0]?.extensions?.code) : "ok");
      }
    };
    const clients = Array.from({ length: 8 }, client);
    await waitFor("load running", () => outcomes.length > 50);
    writeFileSync(path, v2); // what a ConfigMap update does to the mounted file
    await waitFor("v2 served", async () => (await served()).hash === supergraphHash(v2), 10_000);
    const atSwitch = outcomes.length;
    await waitFor("load after the switch", () => outcomes.length > atSwitch + 50);
    running = false;
    await Promise.all(clients);

    expect(outcomes.filter((outcome) => outcome !== "ok")).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(100);
    const refused = await graphqlRequest(`${base}/graphql`, WITH_DESCRIPTION);
    expect(refused.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const text = await metrics();
    expect(text).toContain(`gateway_supergraph_info{hash="${supergraphHash(v2)}",service="gateway"} 1`);
    expect(text).not.toContain(`gateway_supergraph_info{hash="${supergraphHash(v1)}"}`);
    expect(text).toMatch(/gateway_supergraph_reloads_total\{outcome="applied",service="gateway"\} 1\n/);
  });

  it("refuses a supergraph it cannot load and keeps serving the last good one", async () => {
    const broken = `${v2}\ntype Query { broken: Nope }\n`;
    writeFileSync(path, broken);
    await waitFor("broken refused", async () => (await served()).refused === supergraphHash(broken), 10_000);
    expect((await served()).hash).toBe(supergraphHash(v2));
    const response = await graphqlRequest<{ products: { totalCount: number } }>(`${base}/graphql`, PRODUCTS);
    expect(response.errors).toBeUndefined();
    expect(response.data?.products.totalCount).toBeGreaterThan(0);
    expect(await metrics()).toMatch(/gateway_supergraph_reloads_total\{outcome="refused",service="gateway"\} 1\n/);

    writeFileSync(path, v1); // a fixed supergraph is taken again
    await waitFor("v1 served again", async () => (await served()).hash === supergraphHash(v1), 10_000);
    expect((await graphqlRequest(`${base}/graphql`, WITH_DESCRIPTION)).errors).toBeUndefined();
  });
});
