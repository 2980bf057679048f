import type { GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { parse } from "graphql";
import type { GatewayContext } from "../../src/context";
import { cachingPublicEntities, createEntityCacheFeature, publicMaxAgeSeconds } from "../../src/features/entityCache";
import { composeSubgraphFetch, httpFetch } from "../../src/transport/pipeline";
import { SubgraphDataSource } from "../../src/transport/subgraphDataSource";
import { createMetrics } from "@fedplat/runtime";
import { startStandIn, subgraphRequest } from "./subgraphRequests";

/** What the stand-in subgraph answers next: its Cache-Control and whether the body carries errors. */
let cacheControl = "max-age=60, public";
let withErrors = false;
let received: string[] = [];
let standIn: Awaited<ReturnType<typeof startStandIn>>;

beforeAll(async () => {
  // A real HTTP server standing in for the catalog: each answer says how many fetches it has seen.
  standIn = await startStandIn((body, _req, res) => {
    received.push(body);
    const product = { __typename: "Product", id: "p1", name: "Lamp", fetch: received.length };
    res.writeHead(200, { "content-type": "application/json", "cache-control": cacheControl });
    res.end(
      JSON.stringify(
        withErrors
          ? { data: { _entities: [null] }, errors: [{ message: "no such product" }] }
          : { data: { _entities: [product] } },
      ),
    );
  });
});
afterAll(() => standIn.close());
beforeEach(() => {
  cacheControl = "max-age=60, public";
  withErrors = false;
  received = [];
});

const ENTITIES =
  /* GraphQL */ "query Heavy__catalog__3($representations:[_Any!]!){_entities(representations:$representations){...on Product{id name}}}";
const entityFetch = (ids: string[], options: { query?: string; overHttp?: boolean } = {}) =>
  subgraphRequest(standIn.url, options.query ?? ENTITIES, {
    variables: { representations: ids.map((id) => ({ __typename: "Product", id })) },
    overHttp: options.overHttp ?? true,
  });

function clock(start = 1_000_000) {
  const time = { now: start };
  return { now: () => time.now, advance: (ms: number) => (time.now += ms) };
}

describe("entity cache feature: public entities", () => {
  it("reuses a public entity answer for any viewer until its max-age, telling the age left", async () => {
    const time = clock();
    const fetch = cachingPublicEntities(httpFetch, { now: time.now });
    const first = await fetch(entityFetch(["p1"]));
    time.advance(20_500);
    const second = await fetch(entityFetch(["p1"]));
    expect(received).toHaveLength(1);
    expect(await second.json()).toEqual(await first.json());
    // The response's overall policy must not outlive the subgraph's hint: 60 s minus the 20.5 s already spent.
    expect(second.headers.get("cache-control")).toBe("max-age=39, public");
    expect(second.headers.get("content-type")).toBe("application/json");

    time.advance(40_000); // 60.5 s after the answer: expired
    const third = await fetch(entityFetch(["p1"]));
    expect(received).toHaveLength(2);
    expect(await third.json()).toEqual({
      data: { _entities: [{ __typename: "Product", id: "p1", name: "Lamp", fetch: 2 }] },
    });
  });

  it("keeps different entity sets and selections apart", async () => {
    const fetch = cachingPublicEntities(httpFetch);
    await fetch(entityFetch(["p1"]));
    await fetch(entityFetch(["p2"]));
    await fetch(entityFetch(["p1", "p2"]));
    await fetch(entityFetch(["p1"], { query: ENTITIES.replace("id name", "id name priceCents") }));
    expect(received).toHaveLength(4);
  });

  it.each([
    ["private", "max-age=300, private"],
    ["uncacheable (max-age 0)", "max-age=0, public"],
    ["without a hint", ""],
  ])("never reuses an answer the subgraph marked %s", async (_kind, header) => {
    cacheControl = header;
    const fetch = cachingPublicEntities(httpFetch);
    await fetch(entityFetch(["p1"]));
    await fetch(entityFetch(["p1"]));
    expect(received).toHaveLength(2);
  });

  it("never reuses an answer with errors", async () => {
    withErrors = true;
    const fetch = cachingPublicEntities(httpFetch);
    const first = await fetch(entityFetch(["p1"]));
    expect(await first.json()).toMatchObject({ errors: [{ message: "no such product" }] });
    await fetch(entityFetch(["p1"]));
    expect(received).toHaveLength(2);
  });

  it("leaves root fields to the response cache: only entity fetches (from the parsed operation) are kept", async () => {
    const fetch = cachingPublicEntities(httpFetch);
    // Mentions _entities in an argument, but its root field is products: not an entity fetch.
    const rootQuery = subgraphRequest(
      standIn.url,
      /* GraphQL */ 'query P__catalog__0{products(first:1,search:"{_entities(representations:$representations)"){edges{node{id}}}}',
    );
    expect(rootQuery.entityFetch).toBe(false);
    await fetch(rootQuery);
    await fetch(rootQuery);
    expect(received).toHaveLength(2);
  });

  it("fetches for in-process executions (subscription events) and does not keep their answers", async () => {
    const fetch = cachingPublicEntities(httpFetch);
    await fetch(entityFetch(["p1"], { overHttp: false }));
    await fetch(entityFetch(["p1"], { overHttp: false }));
    expect(received).toHaveLength(2);
    await fetch(entityFetch(["p1"]));
    expect(received).toHaveLength(3);
  });

  it("counts hits and misses per subgraph", async () => {
    const metrics = createMetrics("gateway");
    const wrap = createEntityCacheFeature({ registry: metrics.registry }).wrapSubgraphFetch;
    if (!wrap) throw new Error("the entity cache wraps subgraph fetches");
    const fetch = wrap(httpFetch);
    await fetch(entityFetch(["p1"]));
    await fetch(entityFetch(["p1"]));
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^gateway_entity_cache_requests_total\{subgraph="catalog",outcome="miss"[^}]*\} 1$/m);
    expect(text).toMatch(/^gateway_entity_cache_requests_total\{subgraph="catalog",outcome="hit"[^}]*\} 1$/m);
  });
});

describe("a subgraph data source with the entity cache", () => {
  /** What the executor hands the data source for one entity fetch; `overHttp` false is an in-process execution (a subscription event). */
  const entityFetchOf = (overHttp: boolean) =>
    ({
      kind: "incoming operation",
      request: { query: ENTITIES, variables: { representations: [{ __typename: "Product", id: "p1" }] } },
      document: parse(ENTITIES),
      context: { requestId: "r-1", viewer: null, subgraphHeaders: { "x-request-id": "r-1" } },
      incomingRequestContext: { request: overHttp ? { http: { method: "POST", headers: new Map(), search: "" } } : {} },
    }) as unknown as GraphQLDataSourceProcessOptions<GatewayContext>;

  it("serves HTTP requests from the cache but fetches for in-process executions (subscription events see entities as they are now)", async () => {
    const source = new SubgraphDataSource(
      "catalog",
      standIn.url,
      composeSubgraphFetch([(next) => cachingPublicEntities(next)], httpFetch),
    );
    await source.process(entityFetchOf(true));
    const fromCache = await source.process(entityFetchOf(true));
    expect(received).toHaveLength(1);
    expect(fromCache.data).toEqual({ _entities: [{ __typename: "Product", id: "p1", name: "Lamp", fetch: 1 }] });
    const live = await source.process(entityFetchOf(false));
    expect(received).toHaveLength(2);
    expect(live.data).toEqual({ _entities: [{ __typename: "Product", id: "p1", name: "Lamp", fetch: 2 }] });
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
