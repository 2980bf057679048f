import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { createLogger, createRedis, type Redis } from "@fedplat/runtime";
import { signAccessToken } from "@fedplat/auth";
import { repoRoot, startTestSubgraph, TEST_GATEWAY_KEY, TEST_JWT_SECRET, type TestSubgraph } from "@fedplat/devkit";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayServer } from "../src";
import {
  loadPersistedDocumentManifest,
  type PersistedDocumentManifest,
  type TrustedDocumentsMode,
} from "../src/features/persistedDocuments";
import { createRedisKeyValueCache } from "../src/features/responseCache/redisKeyValueCache";

const supergraphSdl = readFileSync(join(repoRoot, "supergraph.graphql"), "utf8");
const DOWN = "http://127.0.0.1:9/graphql";
const logger = createLogger("gateway-test", "silent");
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Documents of a manifest this test writes (a copy of codegen's format: "sha256:<hex>" -> document). */
const TRUSTED = /* GraphQL */ "query TrustedProducts { products(first: 2) { totalCount } }";
const LATER = /* GraphQL */ "query LaterProducts { products(first: 1) { edges { node { name } } } }";

let redis: Redis;
let catalog: TestSubgraph<CatalogPrisma>;
let dir: string;
let manifestPath: string;
let manifest: PersistedDocumentManifest;
const apqPrefix = `test:apq:${randomUUID()}:`;
const gateways: GatewayServer[] = [];

function writeManifest(documents: string[]): void {
  writeFileSync(
    manifestPath,
    JSON.stringify(Object.fromEntries(documents.map((document) => [`sha256:${sha256(document)}`, document]))),
  );
}

async function gatewayIn(mode: TrustedDocumentsMode, documents = manifest): Promise<string> {
  const server = await buildGateway({
    supergraphSdl,
    subgraphUrls: { ACCOUNTS: DOWN, CATALOG: catalog.url, ORDERS: DOWN, PAYMENTS: DOWN, NOTIFICATIONS: DOWN },
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    logger,
    persistedQueries: { cache: createRedisKeyValueCache(redis, apqPrefix, logger), mode, manifest: documents },
  });
  gateways.push(server);
  return `http://127.0.0.1:${await server.listen(0, "127.0.0.1")}/graphql`;
}

interface Answer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

async function post(url: string, body: unknown): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer["body"] };
}

/** A persisted query over GET, as a CDN would see it (the header satisfies Apollo's CSRF prevention). */
async function get(url: string, params: Record<string, unknown>): Promise<Answer & { cacheControl: string | null }> {
  const search = new URLSearchParams(
    Object.entries(params).map(([key, value]): [string, string] => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
  const response = await fetch(`${url}?${search}`, { headers: { "apollo-require-preflight": "true" } });
  return {
    status: response.status,
    body: (await response.json()) as Answer["body"],
    cacheControl: response.headers.get("cache-control"),
  };
}

const persisted = (document: string) => ({ persistedQuery: { version: 1, sha256Hash: sha256(document) } });
const codeOf = (answer: Answer) => answer.body.errors?.[0]?.extensions?.code;

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "persisted-queries-test");
  catalog = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer });
  dir = mkdtempSync(join(tmpdir(), "fedplat-manifest-"));
  manifestPath = join(dir, "persisted-documents.json");
  writeManifest([TRUSTED]);
  manifest = loadPersistedDocumentManifest(manifestPath, logger);
});
afterAll(async () => {
  for (const server of gateways) await server.close();
  await catalog?.stop();
  await redis?.quit();
  rmSync(dir, { recursive: true, force: true });
});

describe("automatic persisted queries (APQ)", () => {
  it("asks for an unknown hash, registers it once, then runs it by hash alone on every replica, also over GET", async () => {
    const [first, replica] = [await gatewayIn("off"), await gatewayIn("off")];
    const document = /* GraphQL */ `query Apq${randomUUID().replace(/-/g, "")} { products(first: 1) { totalCount } }`;
    const unknown = await post(first, { extensions: persisted(document) });
    expect(codeOf(unknown)).toBe("PERSISTED_QUERY_NOT_FOUND");

    const registered = await post(first, { query: document, extensions: persisted(document) });
    expect(registered.body.errors).toBeUndefined();
    expect(registered.body.data).toEqual({ products: { totalCount: 200 } });

    // Registered in Redis: the other replica knows it without being told.
    const byHash = await get(replica, { extensions: persisted(document) });
    expect(byHash.status).toBe(200);
    expect(byHash.body.data).toEqual({ products: { totalCount: 200 } });
    expect(byHash.cacheControl).toBe("max-age=60, public");
  });

  it("refuses a hash that is not the SHA-256 of the query sent with it", async () => {
    const url = await gatewayIn("off");
    const answer = await post(url, {
      query: /* GraphQL */ "{ products { totalCount } }",
      extensions: persisted(/* GraphQL */ "{ something { else } }"),
    });
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe("PERSISTED_QUERY_HASH_MISMATCH");
  });

  it.each([
    ["a version other than 1", { persistedQuery: { version: 2, sha256Hash: sha256(TRUSTED) } }],
    ["a hash that is not 64 hex characters", { persistedQuery: { version: 1, sha256Hash: "abc" } }],
    ["a persistedQuery that is not an object", { persistedQuery: "abc" }],
    ["extensions that are not an object", ["persistedQuery"]],
  ])("refuses malformed extensions: %s", async (_name, extensions) => {
    const url = await gatewayIn("allow");
    const answer = await post(url, { extensions });
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe("PERSISTED_QUERY_MALFORMED");
    expect(answer.body.errors?.[0]?.message).toMatch(/extensions/);
  });

  it("applies the request-shape limits to GET too (a token flood in the query string)", async () => {
    const url = await gatewayIn("off");
    const answer = await get(url, { query: `{ ${"a ".repeat(defaultLimits.request.maxTokens)} }` });
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe("QUERY_TOO_LARGE");
  });

  it("refuses GET extensions that are not JSON", async () => {
    const url = await gatewayIn("allow");
    const answer = await get(url, { extensions: /* GraphQL */ "{not json" });
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe("PERSISTED_QUERY_MALFORMED");
  });
});

describe("trusted documents", () => {
  it("allow: runs manifest documents by id without registration, and still APQ and ad-hoc documents", async () => {
    const url = await gatewayIn("allow");
    const byId = await get(url, { extensions: persisted(TRUSTED) });
    expect(byId.body.data).toEqual({ products: { totalCount: 200 } });
    const adHoc = await post(url, { query: /* GraphQL */ "{ products(first: 1) { totalCount } }" });
    expect(adHoc.body.data).toEqual({ products: { totalCount: 200 } });
  });

  it("enforce: runs manifest documents, by id or by identical text", async () => {
    const url = await gatewayIn("enforce");
    expect((await get(url, { extensions: persisted(TRUSTED) })).body.data).toEqual({ products: { totalCount: 200 } });
    expect((await post(url, { query: TRUSTED })).body.data).toEqual({ products: { totalCount: 200 } });
  });

  it("enforce: rejects any other document before parsing it, and unknown ids, with clear codes", async () => {
    const url = await gatewayIn("enforce");
    const adHoc = await post(url, { query: /* GraphQL */ "{ products(first: 1) { totalCount } }" });
    expect(adHoc.status).toBe(400);
    expect(codeOf(adHoc)).toBe("PERSISTED_QUERY_REQUIRED");
    // Not even parsed: a syntax error gets the same answer, not GRAPHQL_PARSE_FAILED.
    expect(codeOf(await post(url, { query: /* GraphQL */ "{ products { " }))).toBe("PERSISTED_QUERY_REQUIRED");

    const unknownId = await get(url, { extensions: persisted(/* GraphQL */ "{ __typename }") });
    expect(unknownId.status).toBe(400);
    expect(codeOf(unknownId)).toBe("PERSISTED_QUERY_NOT_IN_LIST");
    // APQ cannot be used to register new documents.
    const registration = await post(url, {
      query: /* GraphQL */ "{ __typename }",
      extensions: persisted(/* GraphQL */ "{ __typename }"),
    });
    expect(codeOf(registration)).toBe("PERSISTED_QUERY_NOT_IN_LIST");
  });

  it("picks up a new manifest on reload, without a restart; a broken file leaves the previous one in force", async () => {
    const url = await gatewayIn("enforce");
    expect(codeOf(await get(url, { extensions: persisted(LATER) }))).toBe("PERSISTED_QUERY_NOT_IN_LIST");

    writeManifest([TRUSTED, LATER]);
    manifest.reload();
    const later = await get(url, { extensions: persisted(LATER) });
    expect(later.body.errors).toBeUndefined();
    expect(later.body.data).toEqual({
      products: { edges: [expect.objectContaining({ node: { name: expect.any(String) } })] },
    });

    writeFileSync(
      manifestPath,
      JSON.stringify({ [`sha256:${sha256("x")}`]: /* GraphQL */ "query Tampered { __typename }" }),
    );
    expect(() => manifest.reload()).toThrow(/does not hash to its id/);
    expect((await get(url, { extensions: persisted(LATER) })).body.data).toBeTruthy();
  });
});

describe("trusted documents over WebSocket (graphql-ws subscribe messages)", () => {
  const WATCH =
    /* GraphQL */ "subscription Watch($orderId: ID!) { orderStatusChanged(orderId: $orderId) { id status } }";
  const variables = { orderId: randomUUID() };

  /** The first thing a subscription gets: an event, or the error list graphql-ws rejects with. */
  async function firstAnswer(
    url: string,
    payload: { query: string; extensions?: Record<string, unknown> },
  ): Promise<{ codes: string[] }> {
    const token = await signAccessToken({ id: randomUUID(), role: "CUSTOMER" }, TEST_JWT_SECRET);
    const client = createClient({
      url: url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: true,
    });
    try {
      for await (const event of client.iterate({ ...payload, variables }))
        return { codes: (event.errors ?? []).map((e) => String(e.extensions?.code)) };
      return { codes: [] };
    } catch (cause) {
      if (!Array.isArray(cause)) throw cause;
      return { codes: (cause as Array<{ extensions?: { code?: string } }>).map((e) => String(e.extensions?.code)) };
    } finally {
      await client.dispose();
    }
  }

  let url: string;
  beforeAll(async () => {
    // A manifest of its own, so the reload test above cannot change what this one trusts.
    const path = join(dir, "ws-documents.json");
    writeFileSync(path, JSON.stringify({ [`sha256:${sha256(WATCH)}`]: WATCH }));
    url = await gatewayIn("enforce", loadPersistedDocumentManifest(path, logger));
  });

  it("enforce: refuses other text, unknown ids and mismatched hashes with the HTTP codes, before parsing", async () => {
    expect(await firstAnswer(url, { query: /* GraphQL */ "subscription { myOrderUpdates { id } }" })).toEqual({
      codes: ["PERSISTED_QUERY_REQUIRED"],
    });
    expect(await firstAnswer(url, { query: /* GraphQL */ "subscription { myOrderUpdates { " })).toEqual({
      codes: ["PERSISTED_QUERY_REQUIRED"],
    });
    expect(
      await firstAnswer(url, {
        query: "",
        extensions: persisted(/* GraphQL */ "subscription { myOrderUpdates { id } }"),
      }),
    ).toEqual({ codes: ["PERSISTED_QUERY_NOT_IN_LIST"] });
    expect(
      await firstAnswer(url, {
        query: /* GraphQL */ "subscription { myOrderUpdates { id } }",
        extensions: persisted(WATCH),
      }),
    ).toEqual({ codes: ["PERSISTED_QUERY_HASH_MISMATCH"] });
    expect(
      await firstAnswer(url, {
        query: WATCH,
        extensions: { persistedQuery: { version: 2, sha256Hash: sha256(WATCH) } },
      }),
    ).toEqual({ codes: ["PERSISTED_QUERY_MALFORMED"] });
  });

  it("enforce: runs a manifest subscription by identical text, by id with text, and by id alone", async () => {
    // Trusted, so it gets as far as reading the order's initial state: the orders subgraph is down here.
    const reachedOrders = { codes: ["SUBGRAPH_UNAVAILABLE"] };
    expect(await firstAnswer(url, { query: WATCH })).toEqual(reachedOrders);
    expect(await firstAnswer(url, { query: WATCH, extensions: persisted(WATCH) })).toEqual(reachedOrders);
    expect(await firstAnswer(url, { query: "", extensions: persisted(WATCH) })).toEqual(reachedOrders);
  });
});
