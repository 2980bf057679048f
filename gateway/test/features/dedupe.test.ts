import type { Viewer } from "@fedplat/auth";
import { createDedupeFeature, deduplicateInFlight } from "../../src/features/dedupe";
import { httpFetch } from "../../src/transport/pipeline";
import type { SubgraphFetch } from "../../src/transport/subgraphRequest";
import { customer, startStandIn, subgraphRequest } from "./subgraphRequests";

let standIn: Awaited<ReturnType<typeof startStandIn>>;
let hits: string[] = [];
let status = 200;

beforeAll(async () => {
  // Answers slowly enough for requests to overlap.
  standIn = await startStandIn((body, _req, res) => {
    hits.push(body);
    setTimeout(() => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "max-age=60, public" });
      res.end(JSON.stringify({ data: { hit: hits.length } }));
    }, 100);
  });
});
afterAll(() => standIn.close());
beforeEach(() => {
  hits = [];
  status = 200;
});

const dedupe = (): SubgraphFetch => {
  const wrap = createDedupeFeature().wrapSubgraphFetch;
  if (!wrap) throw new Error("the dedupe feature wraps subgraph fetches");
  return wrap(httpFetch);
};
const post = (fetch: SubgraphFetch, query: string, viewer: Viewer | null) =>
  fetch(subgraphRequest(standIn.url, query, { viewer, variables: { first: 5 } }));

describe("dedupe feature: in-flight deduplication of subgraph fetches", () => {
  it("sends identical concurrent queries of one viewer once and gives each caller its own copy", async () => {
    const fetch = deduplicateInFlight(httpFetch);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        post(fetch, /* GraphQL */ "query Q__orders__0 { orders { id } }", customer("user-1")),
      ),
    );
    expect(hits).toHaveLength(1);
    const bodies = await Promise.all(responses.map((response) => response.json()));
    expect(bodies).toEqual(Array.from({ length: 10 }, () => ({ data: { hit: 1 } })));
    expect(responses[3]?.headers.get("cache-control")).toBe("max-age=60, public");
    expect(fetch.inFlight()).toBe(0);
  });

  it("never shares between viewers (read from the typed context), documents, or across time", async () => {
    const fetch = dedupe();
    await Promise.all([
      post(fetch, /* GraphQL */ "query A { a }", customer("user-1")),
      post(fetch, /* GraphQL */ "query A { a }", customer("user-2")),
      post(fetch, /* GraphQL */ "query A { a }", { ...customer("user-1"), roles: ["STAFF"] }),
      post(fetch, /* GraphQL */ "query A { a }", null),
      post(fetch, /* GraphQL */ "query B { b }", customer("user-1")),
    ]);
    expect(hits).toHaveLength(5);
    await post(fetch, /* GraphQL */ "query A { a }", customer("user-1"));
    expect(hits).toHaveLength(6); // not a cache: the earlier answer is gone once delivered
  });

  it("sends every mutation: the operation kind comes from the parsed document", async () => {
    const fetch = dedupe();
    await Promise.all(
      Array.from({ length: 3 }, () =>
        post(fetch, /* GraphQL */ "mutation M { placeOrder { id } }", customer("user-1")),
      ),
    );
    expect(hits).toHaveLength(3);
    // A query whose text merely mentions "mutation" is still a query, and shared.
    await Promise.all(
      Array.from({ length: 3 }, () =>
        post(fetch, /* GraphQL */ 'query Q { search(text: "mutation") }', customer("user-1")),
      ),
    );
    expect(hits).toHaveLength(4);
  });

  it("passes a failed answer on to every waiting caller", async () => {
    status = 503;
    const fetch = dedupe();
    const responses = await Promise.all(
      Array.from({ length: 4 }, () => post(fetch, /* GraphQL */ "query Q { q }", customer("user-1"))),
    );
    expect(hits).toHaveLength(1);
    expect(responses.map((response) => response.status)).toEqual([503, 503, 503, 503]);
  });
});
