import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { generateIdentityKeyPair, IDENTITY_HEADER, parseSigningKey, signCallerIdentity } from "@fedplat/common";
import { deduplicateInFlight } from "../src/inFlightDedupe";
import { subgraphFetch } from "../src/subgraphFetch";

const KEY = parseSigningKey(generateIdentityKeyPair("dedupe-test").signingKey);
let server: http.Server;
let url: string;
let hits: string[] = [];
let status = 200;

beforeAll(async () => {
  // A real HTTP subgraph stand-in that answers slowly enough for requests to overlap.
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      hits.push(body);
      setTimeout(() => {
        res.writeHead(status, { "content-type": "application/json", "cache-control": "max-age=60, public" });
        res.end(JSON.stringify({ data: { hit: hits.length } }));
      }, 100);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  hits = [];
  status = 200;
});

const asUser = async (id: string) => signCallerIdentity({ caller: { kind: "gateway" }, viewer: { id, role: "CUSTOMER", kind: "user" } }, KEY, "catalog");
const post = async (fetcher: ReturnType<typeof deduplicateInFlight>, query: string, viewerId: string) =>
  fetcher(url, {
    method: "POST",
    headers: { "content-type": "application/json", [IDENTITY_HEADER]: await asUser(viewerId), "x-request-id": randomUUID() },
    body: JSON.stringify({ query, variables: { first: 5 } }),
  });

describe("in-flight deduplication of subgraph fetches", () => {
  it("sends identical concurrent queries of one viewer once and gives each caller its own copy", async () => {
    const fetcher = deduplicateInFlight(subgraphFetch);
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(fetcher, "query Q__orders__0 { orders { id } }", "user-1")));
    expect(hits).toHaveLength(1);
    const bodies = await Promise.all(responses.map((response) => response.json()));
    expect(bodies).toEqual(Array.from({ length: 10 }, () => ({ data: { hit: 1 } })));
    expect(responses[3]?.headers.get("cache-control")).toBe("max-age=60, public");
    expect(fetcher.inFlight()).toBe(0);
  });

  it("never shares between viewers, documents, or across time", async () => {
    const fetcher = deduplicateInFlight(subgraphFetch);
    await Promise.all([post(fetcher, "query A { a }", "user-1"), post(fetcher, "query A { a }", "user-2"), post(fetcher, "query B { b }", "user-1")]);
    expect(hits).toHaveLength(3);
    await post(fetcher, "query A { a }", "user-1");
    expect(hits).toHaveLength(4); // not a cache: the earlier answer is gone once delivered
  });

  it("sends every mutation", async () => {
    const fetcher = deduplicateInFlight(subgraphFetch);
    await Promise.all(Array.from({ length: 3 }, () => post(fetcher, "mutation M { placeOrder { id } }", "user-1")));
    expect(hits).toHaveLength(3);
  });

  it("passes a failed answer on to every waiting caller", async () => {
    status = 503;
    const fetcher = deduplicateInFlight(subgraphFetch);
    const responses = await Promise.all(Array.from({ length: 4 }, () => post(fetcher, "query Q { q }", "user-1")));
    expect(hits).toHaveLength(1);
    expect(responses.map((response) => response.status)).toEqual([503, 503, 503, 503]);
  });
});
