import http from "node:http";
import type { AddressInfo } from "node:net";
import type { GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import type { GatewayContext } from "../src/context";
import { BYPASS_ENTITY_CACHE, cachingPublicEntities, publicMaxAgeSeconds } from "../src/entityCache";
import { SubgraphDataSource } from "../src/subgraphDataSource";
import { subgraphFetch } from "../src/subgraphFetch";

/** What the stand-in subgraph answers next: its Cache-Control and whether the body carries errors. */
let cacheControl = "max-age=60, public";
let withErrors = false;
let received: Array<{ body: string; headers: http.IncomingHttpHeaders }> = [];
let server: http.Server;
let url: string;

beforeAll(async () => {
  // A real HTTP server standing in for the catalog: each answer says how many fetches it has seen.
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ body, headers: req.headers });
      const product = { __typename: "Product", id: "p1", name: "Lamp", fetch: received.length };
      res.writeHead(200, { "content-type": "application/json", "cache-control": cacheControl });
      res.end(JSON.stringify(withErrors ? { data: { _entities: [null] }, errors: [{ message: "no such product" }] } : { data: { _entities: [product] } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  cacheControl = "max-age=60, public";
  withErrors = false;
  received = [];
});

/* GraphQL */
const ENTITIES = "query Heavy__catalog__3($representations:[_Any!]!){_entities(representations:$representations){...on Product{id name}}}";
const entityFetch = (ids: string[], headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "content-type": "application/json", "x-fedplat-identity": `viewer-${Math.random()}`, ...headers },
  body: JSON.stringify({ query: ENTITIES, variables: { representations: ids.map((id) => ({ __typename: "Product", id })) }, operationName: "Heavy__catalog__3" }),
});

function clock(start = 1_000_000) {
  const time = { now: start };
  return { now: () => time.now, advance: (ms: number) => (time.now += ms) };
}

describe("entity cache for public entities", () => {
  it("reuses a public entity answer for any viewer until its max-age, telling the age left", async () => {
    const time = clock();
    const fetcher = cachingPublicEntities("catalog", subgraphFetch, { now: time.now });
    const first = await fetcher(url, entityFetch(["p1"]));
    time.advance(20_500);
    const second = await fetcher(url, entityFetch(["p1"]));
    expect(received).toHaveLength(1);
    expect(await second.json()).toEqual(await first.json());
    // The response's overall policy must not outlive the subgraph's hint: 60 s minus the 20.5 s already spent.
    expect(second.headers.get("cache-control")).toBe("max-age=39, public");
    expect(second.headers.get("content-type")).toBe("application/json");

    time.advance(40_000); // 60.5 s after the answer: expired
    const third = await fetcher(url, entityFetch(["p1"]));
    expect(received).toHaveLength(2);
    expect(await third.json()).toEqual({ data: { _entities: [{ __typename: "Product", id: "p1", name: "Lamp", fetch: 2 }] } });
  });

  it("keeps different entity sets and selections apart", async () => {
    const fetcher = cachingPublicEntities("catalog", subgraphFetch);
    await fetcher(url, entityFetch(["p1"]));
    await fetcher(url, entityFetch(["p2"]));
    await fetcher(url, entityFetch(["p1", "p2"]));
    await fetcher(url, { ...entityFetch(["p1"]), body: entityFetch(["p1"]).body.replace("id name", "id name priceCents") });
    expect(received).toHaveLength(4);
  });

  it.each([
    ["private", "max-age=300, private"],
    ["uncacheable (max-age 0)", "max-age=0, public"],
    ["without a hint", ""],
  ])("never reuses an answer the subgraph marked %s", async (_kind, header) => {
    cacheControl = header;
    const fetcher = cachingPublicEntities("catalog", subgraphFetch);
    await fetcher(url, entityFetch(["p1"]));
    await fetcher(url, entityFetch(["p1"]));
    expect(received).toHaveLength(2);
  });

  it("never reuses an answer with errors", async () => {
    withErrors = true;
    const fetcher = cachingPublicEntities("catalog", subgraphFetch);
    const first = await fetcher(url, entityFetch(["p1"]));
    expect(await first.json()).toMatchObject({ errors: [{ message: "no such product" }] });
    await fetcher(url, entityFetch(["p1"]));
    expect(received).toHaveLength(2);
  });

  it("leaves root fields to the response cache: only entity fetches are kept", async () => {
    const fetcher = cachingPublicEntities("catalog", subgraphFetch);
    const rootQuery = { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "query P__catalog__0{products(first:1){edges{node{id}}}}" }) };
    await fetcher(url, rootQuery);
    await fetcher(url, rootQuery);
    expect(received).toHaveLength(2);
  });

  it("sends fetches marked to bypass it (in-process executions) without the marker, and does not keep them", async () => {
    const fetcher = cachingPublicEntities("catalog", subgraphFetch);
    await fetcher(url, entityFetch(["p1"], { [BYPASS_ENTITY_CACHE]: "1" }));
    await fetcher(url, entityFetch(["p1"], { [BYPASS_ENTITY_CACHE]: "1" }));
    expect(received).toHaveLength(2);
    expect(received[0]?.headers[BYPASS_ENTITY_CACHE]).toBeUndefined();
    await fetcher(url, entityFetch(["p1"]));
    expect(received).toHaveLength(3);
  });
});

describe("a subgraph data source with the entity cache", () => {
  /** What the executor hands the data source for one entity fetch; `overHttp` false is an in-process execution (a subscription event). */
  const entityFetchOf = (overHttp: boolean) =>
    ({
      kind: "incoming operation",
      request: { query: ENTITIES, variables: { representations: [{ __typename: "Product", id: "p1" }] } },
      context: { requestId: "r-1", viewer: null, subgraphHeaders: { "x-fedplat-identity": "signed" } },
      incomingRequestContext: { request: overHttp ? { http: { method: "POST", headers: new Map(), search: "" } } : {} },
    }) as unknown as GraphQLDataSourceProcessOptions<GatewayContext>;

  it("serves HTTP requests from the cache but fetches for in-process executions (subscription events see entities as they are now)", async () => {
    const source = new SubgraphDataSource("catalog", url, { timeoutMs: 5_000, entityCache: {} });
    await source.process(entityFetchOf(true));
    const fromCache = await source.process(entityFetchOf(true));
    expect(received).toHaveLength(1);
    expect(fromCache.data).toEqual({ _entities: [{ __typename: "Product", id: "p1", name: "Lamp", fetch: 1 }] });
    const live = await source.process(entityFetchOf(false));
    expect(received).toHaveLength(2);
    expect(live.data).toEqual({ _entities: [{ __typename: "Product", id: "p1", name: "Lamp", fetch: 2 }] });
    expect(received[1]?.headers[BYPASS_ENTITY_CACHE]).toBeUndefined();
  });
});

describe("publicMaxAgeSeconds", () => {
  it("reads max-age only when the answer is public", () => {
    expect(publicMaxAgeSeconds("max-age=60, public")).toBe(60);
    expect(publicMaxAgeSeconds("public, max-age=10")).toBe(10);
    expect(publicMaxAgeSeconds("max-age=60")).toBe(0);
    expect(publicMaxAgeSeconds("max-age=60, public, no-store")).toBe(0);
    expect(publicMaxAgeSeconds(null)).toBe(0);
  });
});
