import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { createLogger, createRedis, type Redis } from "@fedplat/runtime";
import {
  graphqlRequest,
  repoRoot,
  startTestSubgraph,
  TEST_GATEWAY_KEY,
  TEST_JWT_SECRET,
  type TestSubgraph,
} from "@fedplat/devkit";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayServer } from "../src";
import { type Link, openLink } from "./tcpLink";

const supergraphSdl = readFileSync(join(repoRoot, "supergraph.graphql"), "utf8");

let redis: Redis;
let catalog: TestSubgraph<CatalogPrisma>;
let slowLink: Link;
let gateway: GatewayServer;
let base: string;

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "shutdown-test");
  catalog = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer });
  // catalog's answers take a second to arrive: a request is surely in flight when shutdown starts
  slowLink = await openLink(new URL(catalog.url), 1_000);
  gateway = await buildGateway({
    supergraphSdl,
    subgraphUrls: { CATALOG: slowLink.url },
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    logger: createLogger("shutdown-test", "silent"),
  });
  base = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}`;
});
afterAll(async () => {
  await slowLink?.cut();
  await catalog?.stop();
  await redis?.quit();
});

describe("graceful shutdown", () => {
  it("reports draining, finishes the request in flight, then stops accepting", async () => {
    const inFlight = graphqlRequest<{ products: { totalCount: number } }>(
      `${base}/graphql`,
      /* GraphQL */ "{ products(first: 1) { totalCount } }",
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // the request has reached catalog
    const closing = gateway.close();
    const ready = await fetch(`${base}/health/ready`).catch(() => null);
    // a load balancer polling readiness now takes this replica out: 503 "draining" on a kept-alive
    // connection, or no new connection at all
    const readiness = ready ? `${ready.status} ${((await ready.json()) as { status: string }).status}` : "refused";
    expect(readiness).toMatch(/^(503 draining|refused)$/);
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.data?.products.totalCount).toBe(200);
    await closing;
    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
  });
});
