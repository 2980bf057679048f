import { bearer, graphqlRequest } from "@fedplat/devkit";
import { buildGateway, type GatewayServer } from "../src";
import { type AccountsCatalogOrders, startAccountsCatalogOrders } from "./accountsCatalogOrders";

let graph: AccountsCatalogOrders;
let gateway: GatewayServer;
let url: string;
let customer: Record<string, string>;

beforeAll(async () => {
  graph = await startAccountsCatalogOrders("demand-control-test");
  gateway = await buildGateway({
    ...graph.gatewayOptions(),
    demandControl: { mode: "enforce", maxCost: 500, defaultListSize: 10 },
  });
  url = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
  customer = bearer((await graph.accounts.viewer("customer")).token);
});
afterAll(async () => {
  await gateway?.close();
  await graph?.stop();
});

/** A sample of /metrics: the value of `name{labels...}` (the labels in any order), 0 when absent. */
async function metric(name: string, ...labels: string[]): Promise<number> {
  const text = await (await fetch(url.replace("/graphql", "/metrics"))).text();
  const line = text
    .split("\n")
    .find((each) => each.startsWith(`${name}{`) && labels.every((label) => each.includes(label)));
  return Number(line?.split(" ").pop() ?? 0);
}
const subgraphFetches = () =>
  fetch(url.replace("/graphql", "/metrics"))
    .then((response) => response.text())
    .then((text) =>
      [...text.matchAll(/^gateway_subgraph_fetch_duration_seconds_count\{[^}]*\} (\d+)$/gm)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      ),
    );

describe("demand control on real subgraphs", () => {
  it("serves an operation under the limit, and measures its actual cost on the response", async () => {
    // me 1 + 3 orders x (1 + 50 lines x (line 1 + product 1)): Order.lines has @listSize(assumedSize: 50).
    const query = /* GraphQL */ "{ me { orders(first: 3) { id lines { quantity product { id name } } } } }";
    const response = await graphqlRequest(url, query, {}, customer);
    expect(response.errors).toBeUndefined();
    const orders = (response.data as { me: { orders: Array<{ lines: unknown[] }> } }).me.orders;
    expect(orders.length).toBeGreaterThan(0);
    expect(await metric("gateway_operation_cost_estimated_sum", 'result="ok"')).toBe(1 + 3 * (1 + 50 * 2));
    const actual = 1 + orders.reduce((sum, order) => sum + 1 + 2 * order.lines.length, 0);
    expect(await metric("gateway_operation_cost_actual_sum", 'operation_type="query"')).toBe(actual);
  });

  it("refuses an operation estimated over the limit with COST_ESTIMATED_TOO_EXPENSIVE and calls no subgraph", async () => {
    const before = await subgraphFetches();
    const response = await graphqlRequest(
      url,
      /* GraphQL */ "{ me { orders(first: 10) { lines { product { id } } } } }",
      {},
      customer,
    );
    expect(response.status).toBe(200);
    expect(response.data).toBeUndefined();
    expect(response.errors?.[0]).toMatchObject({
      extensions: { code: "COST_ESTIMATED_TOO_EXPENSIVE", cost: { estimated: 1 + 10 * 101, max: 500 } },
    });
    expect(await subgraphFetches()).toBe(before);
  });
});
