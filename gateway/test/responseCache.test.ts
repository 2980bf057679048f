import { randomUUID } from "node:crypto";
import { bearer, freePort, graphqlRequest, type GraphQLResponse } from "@fedplat/devkit";
import { buildGateway, type GatewayServer } from "../src";
import { createCacheRedis } from "../src/responseCache/cacheRedis";
import { createRedisKeyValueCache } from "../src/responseCache/redisKeyValueCache";
import { type AccountsCatalogOrders, startAccountsCatalogOrders } from "./accountsCatalogOrders";

let graph: AccountsCatalogOrders;
let gateway: GatewayServer;
let url: string;
let customer: Record<string, string>;
let otherCustomer: Record<string, string>;
let otherEmail: string;

beforeAll(async () => {
  graph = await startAccountsCatalogOrders("response-cache-test");
  const options = graph.gatewayOptions();
  gateway = await buildGateway({ ...options, responseCache: createRedisKeyValueCache(graph.redis, `test:rc:${randomUUID()}:`, options.logger) });
  url = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
  customer = bearer((await graph.accounts.viewer("customer")).token);
  const other = await graph.accounts.prisma.user.findFirstOrThrow({ where: { role: "CUSTOMER", email: { not: "customer@example.com" } } });
  otherEmail = other.email;
  otherCustomer = bearer((await graph.accounts.viewer({ id: other.id, role: "CUSTOMER" })).token);
});
afterAll(async () => {
  await gateway?.close();
  await graph?.stop();
});

const cacheControl = (res: GraphQLResponse<unknown>) => res.headers.get("cache-control");
const cacheStatus = (res: GraphQLResponse<unknown>) => res.headers.get("x-cache");

/** The plugin stores a response in the background after answering: ask again until it is there. */
async function untilHit<T>(send: () => Promise<GraphQLResponse<T>>): Promise<GraphQLResponse<T>> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = await send();
    if (cacheStatus(res) === "HIT") return res;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("never served from the cache");
}

describe("cache hints from the subgraphs' SDL", () => {
  it("marks public catalog data public with the product max age, shortened by stock", async () => {
    const names = await graphqlRequest(url, "{ products(first: 2) { edges { node { id name priceCents } } pageInfo { hasNextPage } } }");
    expect(names.errors).toBeUndefined();
    expect(cacheControl(names)).toBe("max-age=60, public");
    const withStock = await graphqlRequest(url, "{ products(first: 2) { edges { node { id stock } } } }");
    expect(cacheControl(withStock)).toBe("max-age=10, public");
  });

  it("marks a user's profile private for 5 minutes, 1 minute once it includes the role", async () => {
    const profile = await graphqlRequest(url, "{ me { id email name } }", {}, customer);
    expect(cacheControl(profile)).toBe("max-age=300, private");
    const withRole = await graphqlRequest(url, "{ me { id role } }", {}, customer);
    expect(cacheControl(withRole)).toBe("max-age=60, private");
  });

  it("takes the most restrictive hint of every subgraph that served the request", async () => {
    const mixed = await graphqlRequest(url, "{ me { email } products(first: 1) { edges { node { name } } } }", {}, customer);
    expect(cacheControl(mixed)).toBe("max-age=60, private");
    const withOrders = await graphqlRequest(url, "{ me { email } orders(first: 1) { edges { node { id status } } } }", {}, customer);
    expect(withOrders.errors).toBeUndefined();
    expect(cacheControl(withOrders)).toBe("no-store");
  });

  it("never lets a mutation be cached", async () => {
    const res = await graphqlRequest(url, 'mutation { login(email: "customer@example.com", password: "Passw0rd!") { accessToken } }');
    expect(res.errors).toBeUndefined();
    expect(cacheControl(res)).toBe("no-store");
  });
});

describe("response cache", () => {
  it("serves a public response from the cache to anyone, with the same data", async () => {
    const query = `{ products(first: 3, search: "${randomUUID().slice(0, 4)}") { totalCount edges { node { id name } } } }`;
    const first = await graphqlRequest(url, "{ products(first: 3) { totalCount edges { node { id name } } } }");
    expect(cacheStatus(first)).toMatch(/MISS|HIT/);
    const again = await untilHit(() => graphqlRequest(url, "{ products(first: 3) { totalCount edges { node { id name } } } }"));
    expect(again.data).toEqual(first.data);
    expect(cacheControl(again)).toBe("max-age=60, public");
    expect(Number(again.headers.get("age"))).toBeGreaterThanOrEqual(0);
    // Unique text: this one is not cached yet, whoever asks.
    expect(cacheStatus(await graphqlRequest(url, query, {}, customer))).toBe("MISS");
  });

  it("serves a private response only to the same user: never to another user or to an anonymous request", async () => {
    const query = "{ me { email name } }";
    const mine = await untilHit(() => graphqlRequest<{ me: { email: string } }>(url, query, {}, customer));
    expect(mine.data?.me.email).toBe("customer@example.com");

    const theirs = await graphqlRequest<{ me: { email: string } }>(url, query, {}, otherCustomer);
    expect(cacheStatus(theirs)).toBe("MISS");
    expect(theirs.data?.me.email).toBe(otherEmail);

    for (let attempt = 0; attempt < 5; attempt++) {
      const anonymous = await graphqlRequest<{ me: null }>(url, query);
      expect(cacheStatus(anonymous)).toBe("MISS");
      expect(anonymous.data).toEqual({ me: null });
    }
    // And the other user's answer is theirs, once cached too.
    const theirsAgain = await untilHit(() => graphqlRequest<{ me: { email: string } }>(url, query, {}, otherCustomer));
    expect(theirsAgain.data?.me.email).toBe(otherEmail);
  });

  it("lets a user read their own writes: a mutation renews their private entries", async () => {
    const query = "{ me { name } }";
    await untilHit(() => graphqlRequest(url, query, {}, otherCustomer));
    const name = `Renamed ${randomUUID().slice(0, 8)}`;
    const update = await graphqlRequest(url, "mutation($name: String!) { updateProfile(input: { name: $name }) { id } }", { name }, otherCustomer);
    expect(update.errors).toBeUndefined();
    expect(cacheStatus(update)).toBe("BYPASS");
    const after = await graphqlRequest<{ me: { name: string } }>(url, query, {}, otherCustomer);
    expect(cacheStatus(after)).toBe("MISS");
    expect(after.data?.me.name).toBe(name);
  });

  it("never caches responses with errors", async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await graphqlRequest(url, "{ users { totalCount } }", {}, customer);
      expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(cacheStatus(res)).toBe("MISS");
    }
  });

  it("keeps answering, uncached, when the cache's Redis is unreachable", async () => {
    const unreachable = createCacheRedis(`redis://127.0.0.1:${await freePort()}`);
    unreachable.on("error", () => undefined);
    const options = graph.gatewayOptions();
    const server = await buildGateway({ ...options, responseCache: createRedisKeyValueCache(unreachable, "test:down:", options.logger) });
    try {
      const down = `http://127.0.0.1:${await server.listen(0, "127.0.0.1")}/graphql`;
      for (const headers of [{}, customer]) {
        const res = await graphqlRequest<{ products: { totalCount: number } }>(down, "{ products(first: 1) { totalCount } }", {}, headers);
        expect(res.errors).toBeUndefined();
        expect(res.data?.products.totalCount).toBe(200);
        expect(cacheStatus(res)).toBe("MISS");
      }
    } finally {
      await server.close();
      unreachable.disconnect();
    }
  });

  it("counts hits and misses in gateway_response_cache_requests_total", async () => {
    const metrics = await (await fetch(url.replace("/graphql", "/metrics"))).text();
    expect(metrics).toMatch(/gateway_response_cache_requests_total\{status="HIT"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/gateway_response_cache_requests_total\{status="MISS"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/gateway_response_cache_requests_total\{status="BYPASS"[^}]*\} [1-9]/);
  });
});
