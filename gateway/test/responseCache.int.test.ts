import { randomUUID } from "node:crypto";
import { bearer, freePort, graphqlRequest, type GraphQLResponse } from "@fedplat/devkit";
import { buildGateway, type GatewayServer } from "../src";
import { createCacheRedis } from "../src/features/responseCache/cacheRedis";
import { createRedisKeyValueCache, type StringCache } from "../src/features/responseCache/redisKeyValueCache";
import { type AccountsCatalogOrders, startAccountsCatalogOrders } from "./accountsCatalogOrders";

let graph: AccountsCatalogOrders;
let gateway: GatewayServer;
let url: string;
let customer: Record<string, string>;
let otherCustomer: Record<string, string>;
let otherEmail: string;
let customerId: string;
let liveChannel: string;
/** Every entry the gateway stored, with its time to live. */
const writes: Array<{ key: string; value: string; ttl: number | null | undefined }> = [];

beforeAll(async () => {
  graph = await startAccountsCatalogOrders("response-cache-test");
  const options = graph.gatewayOptions();
  liveChannel = options.subscriptions?.channel ?? "";
  const cache = createRedisKeyValueCache(graph.redis, `test:rc:${randomUUID()}:`, options.logger);
  const recording: StringCache = {
    get: (key) => cache.get(key),
    set: async (key, value, setOptions) => {
      writes.push({ key, value, ttl: setOptions?.ttl });
      await cache.set(key, value, setOptions);
    },
    delete: (key) => cache.delete(key),
  };
  gateway = await buildGateway({ ...options, responseCache: recording });
  url = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
  const customerViewer = await graph.accounts.viewer("customer");
  customerId = customerViewer.id;
  customer = bearer(customerViewer.token);
  const other = await graph.accounts.prisma.user.findFirstOrThrow({
    where: { role: "CUSTOMER", email: { not: "customer@example.com" } },
  });
  otherEmail = other.email;
  otherCustomer = bearer((await graph.accounts.viewer({ id: other.id, role: "CUSTOMER" })).token);
});
afterAll(async () => {
  await gateway?.close();
  await graph?.stop();
});

const cacheControl = (res: GraphQLResponse<unknown>) => res.headers.get("cache-control");
const cacheStatus = (res: GraphQLResponse<unknown>) => res.headers.get("x-cache");

/** How long the gateway keeps the answer to a request it has not seen before: the time to live of the entry it stores. */
async function keptFor(send: () => Promise<GraphQLResponse<unknown>>): Promise<number | null | undefined> {
  const res = await send();
  expect(res.errors).toBeUndefined();
  expect(cacheStatus(res)).toBe("MISS");
  const body = JSON.stringify(res.data);
  for (let attempt = 0; attempt < 50; attempt++) {
    const stored = writes.find((write) => !write.key.startsWith("generation:") && write.value.includes(body));
    if (stored) return stored.ttl;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("never stored");
}

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
    const names = await graphqlRequest(
      url,
      /* GraphQL */ "{ products(first: 2) { edges { node { id name priceCents } } pageInfo { hasNextPage } } }",
    );
    expect(names.errors).toBeUndefined();
    expect(cacheControl(names)).toBe("max-age=60, public");
    const withStock = await graphqlRequest(url, /* GraphQL */ "{ products(first: 2) { edges { node { id stock } } } }");
    expect(cacheControl(withStock)).toBe("max-age=10, public");
  });

  it("keeps a user's profile 5 minutes, 1 minute once it includes the role; clients must revalidate private answers", async () => {
    const profile = () => graphqlRequest(url, /* GraphQL */ "{ me { id email name } }", {}, customer);
    expect(await keptFor(profile)).toBe(300);
    // Only the gateway's cache learns of the renewals (mutations, live updates): a browser's copy must not be reused on its own.
    expect(cacheControl(await profile())).toBe("private, no-cache");
    expect(await keptFor(() => graphqlRequest(url, /* GraphQL */ "{ me { id role } }", {}, customer))).toBe(60);
  });

  it("takes the most restrictive hint of every subgraph that served the request", async () => {
    expect(
      await keptFor(() =>
        graphqlRequest(
          url,
          /* GraphQL */ "{ me { email } products(first: 1) { edges { node { name } } } }",
          {},
          customer,
        ),
      ),
    ).toBe(60);
    const withOrders = () =>
      graphqlRequest(
        url,
        /* GraphQL */ "{ me { email } orders(first: 1) { edges { node { id status } } } }",
        {},
        customer,
      );
    expect(await keptFor(withOrders)).toBe(30);
    expect(cacheControl(await withOrders())).toBe("private, no-cache");
  });

  it("never lets a mutation be cached", async () => {
    const res = await graphqlRequest(
      url,
      'mutation { login(email: "customer@example.com", password: "Passw0rd!") { accessToken } }',
    );
    expect(res.errors).toBeUndefined();
    expect(cacheControl(res)).toBe("no-store");
  });
});

describe("response cache", () => {
  it("serves a public response from the cache to anyone, with the same data", async () => {
    const query = /* GraphQL */ `{ products(first: 3, search: "${randomUUID().slice(0, 4)}") { totalCount edges { node { id name } } } }`;
    const first = await graphqlRequest(
      url,
      /* GraphQL */ "{ products(first: 3) { totalCount edges { node { id name } } } }",
    );
    expect(cacheStatus(first)).toMatch(/MISS|HIT/);
    const again = await untilHit(() =>
      graphqlRequest(url, /* GraphQL */ "{ products(first: 3) { totalCount edges { node { id name } } } }"),
    );
    expect(again.data).toEqual(first.data);
    expect(cacheControl(again)).toBe("max-age=60, public");
    expect(Number(again.headers.get("age"))).toBeGreaterThanOrEqual(0);
    // Unique text: this one is not cached yet, whoever asks.
    expect(cacheStatus(await graphqlRequest(url, query, {}, customer))).toBe("MISS");
  });

  it("serves a private response only to the same user: never to another user or to an anonymous request", async () => {
    const query = /* GraphQL */ "{ me { email name } }";
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
    const query = /* GraphQL */ "{ me { name } }";
    await untilHit(() => graphqlRequest(url, query, {}, otherCustomer));
    const name = `Renamed ${randomUUID().slice(0, 8)}`;
    const update = await graphqlRequest(
      url,
      /* GraphQL */ "mutation($name: String!) { updateProfile(input: { name: $name }) { id } }",
      { name },
      otherCustomer,
    );
    expect(update.errors).toBeUndefined();
    expect(cacheStatus(update)).toBe("BYPASS");
    const after = await graphqlRequest<{ me: { name: string } }>(url, query, {}, otherCustomer);
    expect(cacheStatus(after)).toBe("MISS");
    expect(after.data?.me.name).toBe(name);
  });

  it("shows an order's new status as soon as its change is announced: its owner's and staff's entries are renewed, no one else's", async () => {
    const query = /* GraphQL */ "{ orders(first: 3) { edges { node { id status } } } }";
    type Orders = { orders: { edges: Array<{ node: { id: string; status: string } }> } };
    const staff = bearer((await graph.accounts.viewer("staff")).token);
    const mine = await untilHit(() => graphqlRequest<Orders>(url, query, {}, customer));
    await untilHit(() => graphqlRequest<Orders>(url, query, {}, otherCustomer));
    const order = mine.data?.orders.edges[0]?.node;
    if (!order) throw new Error("the demo customer has no orders");
    const staffQuery = /* GraphQL */ "query($id: ID!) { order(id: $id) { status } }";
    await untilHit(() => graphqlRequest(url, staffQuery, { id: order.id }, staff));
    const status = order.status === "DELIVERED" ? "SHIPPED" : "DELIVERED";
    await graph.orders.prisma.order.update({ where: { id: order.id }, data: { status } });
    const statusOf = (res: GraphQLResponse<Orders>) =>
      res.data?.orders.edges.find((edge) => edge.node.id === order.id)?.node.status;

    // Until the change is announced, the cache answers (30 s at most).
    const cached = await graphqlRequest<Orders>(url, query, {}, customer);
    expect(cacheStatus(cached)).toBe("HIT");
    expect(statusOf(cached)).toBe(order.status);

    await graph.redis.publish(liveChannel, JSON.stringify({ typename: "Order", id: order.id, ownerId: customerId }));
    let fresh = cached;
    for (let attempt = 0; attempt < 50 && cacheStatus(fresh) === "HIT"; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      fresh = await graphqlRequest<Orders>(url, query, {}, customer);
    }
    expect(cacheStatus(fresh)).toBe("MISS");
    expect(statusOf(fresh)).toBe(status);

    const staffs = await graphqlRequest<{ order: { status: string } }>(url, staffQuery, { id: order.id }, staff);
    expect(cacheStatus(staffs)).toBe("MISS");
    expect(staffs.data?.order.status).toBe(status);
    // Another customer cannot see this order: their entry stays.
    expect(cacheStatus(await graphqlRequest(url, query, {}, otherCustomer))).toBe("HIT");
  });

  it("never caches responses with errors", async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await graphqlRequest(url, /* GraphQL */ "{ users { totalCount } }", {}, customer);
      expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHORIZED_FIELD_OR_TYPE");
      expect(cacheStatus(res)).toBe("MISS");
    }
  });

  it("keeps answering, uncached, when the cache's Redis is unreachable", async () => {
    const unreachable = createCacheRedis(`redis://127.0.0.1:${await freePort()}`);
    unreachable.on("error", () => undefined);
    const options = graph.gatewayOptions();
    const server = await buildGateway({
      ...options,
      responseCache: createRedisKeyValueCache(unreachable, "test:down:", options.logger),
    });
    try {
      const down = `http://127.0.0.1:${await server.listen(0, "127.0.0.1")}/graphql`;
      for (const headers of [{}, customer]) {
        const res = await graphqlRequest<{ products: { totalCount: number } }>(
          down,
          /* GraphQL */ "{ products(first: 1) { totalCount } }",
          {},
          headers,
        );
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
