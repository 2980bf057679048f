import { bearer, graphqlRequest } from "@fedplat/devkit";
import { buildGateway, type GatewayServer } from "../src";
import { type AccountsCatalogOrders, startAccountsCatalogOrders } from "./accountsCatalogOrders";

let graph: AccountsCatalogOrders;
let gateway: GatewayServer;
let url: string;
let customer: Record<string, string>;
let staff: Record<string, string>;

beforeAll(async () => {
  graph = await startAccountsCatalogOrders("entity-cache-test");
  gateway = await buildGateway({ ...graph.gatewayOptions(), entityCache: true });
  url = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
  customer = bearer((await graph.accounts.viewer("customer")).token);
  staff = bearer((await graph.accounts.viewer("staff")).token);
});
afterAll(async () => {
  await gateway?.close();
  await graph?.stop();
});

/** gateway_entity_cache_requests_total of the catalog, by outcome. */
async function catalogLookups(): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(url.replace("/graphql", "/metrics"))).text();
  const count = (outcome: string) =>
    Number(
      new RegExp(
        `^gateway_entity_cache_requests_total\\{[^}]*subgraph="catalog",outcome="${outcome}"[^}]*\\} (\\d+)$`,
        "m",
      ).exec(text)?.[1] ?? 0,
    );
  return { hit: count("hit"), miss: count("miss") };
}

/* GraphQL */
const ORDER_PRODUCTS =
  /* GraphQL */ "{ me { orders(first: 3) { id lines { quantity product { id name priceCents } } } } }";

describe("the gateway with the entity cache on", () => {
  it("asks the catalog once for the same products, whichever viewer asks, and answers the same data", async () => {
    const before = await catalogLookups();
    const first = await graphqlRequest(url, ORDER_PRODUCTS, {}, customer);
    expect(first.errors).toBeUndefined();
    const lines = (first.data as { me: { orders: Array<{ lines: unknown[] }> } }).me.orders.flatMap(
      (order) => order.lines,
    );
    expect(lines.length).toBeGreaterThan(0);
    const again = await graphqlRequest(url, ORDER_PRODUCTS, {}, customer);
    expect(again.data).toEqual(first.data);
    expect(await catalogLookups()).toEqual({ hit: before.hit + 1, miss: before.miss + 1 });

    // The same order's products for another viewer (staff reads the customer's order): Product is public, one fetch serves both.
    const orderId = (first.data as { me: { orders: Array<{ id: string }> } }).me.orders[0]?.id;
    const ORDER =
      /* GraphQL */ "query($id: ID!) { order(id: $id) { lines { quantity product { id name priceCents } } } }";
    const asCustomer = await graphqlRequest(url, ORDER, { id: orderId }, customer);
    const afterCustomer = await catalogLookups();
    const asStaff = await graphqlRequest(url, ORDER, { id: orderId }, staff);
    expect(asStaff.errors).toBeUndefined();
    expect(asStaff.data).toEqual(asCustomer.data);
    expect(await catalogLookups()).toEqual({ hit: afterCustomer.hit + 1, miss: afterCustomer.miss });
  });

  it("keeps the response's cache policy no longer than its parts allow, reused product answers included", async () => {
    const before = await catalogLookups();
    const res = await graphqlRequest(url, ORDER_PRODUCTS, {}, customer);
    expect(await catalogLookups()).toEqual({ hit: before.hit + 1, miss: before.miss }); // the products came from the entity cache
    // Orders may be kept 30 s, per viewer: a reused product answer (public, 60 s) neither lengthens that nor makes it public.
    expect(res.headers.get("cache-control")).toBe("max-age=30, private");

    // Stock may be 10 s old at most: a reused answer with stock keeps (what remains of) those 10 s.
    const WITH_STOCK = /* GraphQL */ "{ me { orders(first: 3) { id lines { product { id stock } } } } }";
    await graphqlRequest(url, WITH_STOCK, {}, customer);
    const reused = await graphqlRequest(url, WITH_STOCK, {}, customer);
    expect(reused.errors).toBeUndefined();
    const maxAge = Number(/^max-age=(\d+), private$/.exec(reused.headers.get("cache-control") ?? "")?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(10);
  });
});
