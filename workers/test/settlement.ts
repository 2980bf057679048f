import { gatewayHeaders, type TestSubgraph, type TestViewer } from "@fedplat/devkit";
import { CONSUMERS, ROUTES } from "@fedplat/events";
import type { OrdersPrisma } from "@fedplat/orders";
import { type TestWorkers, waitFor } from "./helpers";

/** Stock the tests give the ordered product, so no order is refused for stock. */
export const PLENTY = 1_000_000;

/** `count` orders of one unit of `productId`, placed 10 at a time; their ids. */
export async function placeOrders(
  orders: TestSubgraph<OrdersPrisma>,
  customer: TestViewer,
  productId: string,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  const place = async () => {
    const res = await orders.request<{ placeOrder: { id: string } }>(
      /* GraphQL */ "mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }",
      { p: productId },
      await gatewayHeaders(customer, "orders"),
    );
    if (!res.data) throw new Error(`placeOrder failed: ${JSON.stringify(res.errors)}`);
    ids.push(res.data.placeOrder.id);
  };
  for (let i = 0; i < count; i += 10) await Promise.all(Array.from({ length: 10 }, place));
  return ids;
}

/**
 * The end state of every service for `ids` (one product's orders): every order settled once,
 * stock, payments and notifications consistent with it, every event applied by each consumer
 * it is routed to, every outbox row settled.
 */
export async function expectSettledExactlyOnce(workers: TestWorkers, ids: string[], productId: string): Promise<void> {
  const { orders: o, catalog: c, payments, notifications } = workers.clients;
  await waitFor(
    "every order to be confirmed or cancelled",
    async () =>
      (await o.order.count({ where: { id: { in: ids }, status: { in: ["CONFIRMED", "CANCELLED"] } } })) === ids.length,
    180_000,
  );
  const confirmed = (
    await o.order.findMany({ where: { id: { in: ids }, status: "CONFIRMED" }, select: { id: true } })
  ).map((order) => order.id);
  const cancelled = ids.filter((id) => !confirmed.includes(id));
  // Every outbox row of every service settles: each consumer applied it (or its job completed).
  await waitFor(
    "every outbox row to be settled",
    async () => {
      const unsettled = CONSUMERS.map(
        (schema) => `(SELECT count(*) FROM "${schema}"."outbox" WHERE settled_at IS NULL)`,
      ).join(" + ");
      const [row] = await o.$queryRawUnsafe<Array<{ n: number }>>(`SELECT (${unsettled})::int AS n`);
      return row?.n === 0;
    },
    120_000,
  );
  // One processed_events record per consumer and event routed to it (event_id is its key: never two).
  for (const consumer of CONSUMERS) {
    const types = Object.entries(ROUTES)
      .filter(([, consumers]) => consumers.includes(consumer))
      .map(([type]) => type);
    const unapplied = CONSUMERS.map(
      (producer) =>
        `SELECT o.id FROM "${producer}"."outbox" o LEFT JOIN "${consumer}"."processed_events" p ON p.event_id = o.id WHERE o.type = ANY($1) AND p.event_id IS NULL`,
    ).join(" UNION ALL ");
    expect({ consumer, unapplied: await o.$queryRawUnsafe<unknown[]>(unapplied, types) }).toEqual({
      consumer,
      unapplied: [],
    });
  }
  // Stock: one unit per confirmed order, none for a cancelled one (released).
  expect((await c.product.findUniqueOrThrow({ where: { id: productId } })).stock).toBe(PLENTY - confirmed.length);
  expect(await c.stockReservation.count({ where: { orderId: { in: confirmed }, status: "COMMITTED" } })).toBe(
    confirmed.length,
  );
  expect(await c.stockReservation.count({ where: { orderId: { in: cancelled }, status: "RELEASED" } })).toBe(
    cancelled.length,
  );
  expect(await c.stockReservation.count({ where: { orderId: { in: ids } } })).toBe(ids.length);
  // Payments: one per order; a confirmed order charged exactly once, a cancelled one never.
  expect(await payments.payment.count({ where: { orderId: { in: confirmed }, state: "SUCCEEDED" } })).toBe(
    confirmed.length,
  );
  expect(await payments.payment.count({ where: { orderId: { in: cancelled }, state: "FAILED" } })).toBe(
    cancelled.length,
  );
  const charges = await payments.$queryRaw<
    Array<{ orderId: string; n: number }>
  >`SELECT p.order_id::text AS "orderId", count(*)::int AS n FROM "payments"."payment_attempts" a JOIN "payments"."payments" p ON p.id = a.payment_id WHERE a.succeeded AND p.order_id::text = ANY(${ids}) GROUP BY p.order_id`;
  expect(charges.filter((charge) => charge.n !== 1)).toEqual([]);
  expect(charges.map((charge) => charge.orderId).sort()).toEqual([...confirmed].sort());
  // Notifications: one per order, of its outcome.
  const notified = await notifications.$queryRaw<
    Array<{ orderId: string; template: string; n: number }>
  >`SELECT payload->>'orderId' AS "orderId", template, count(*)::int AS n FROM "notifications"."notifications" WHERE payload->>'orderId' = ANY(${ids}) GROUP BY 1, 2`;
  expect(notified.filter((row) => row.n !== 1)).toEqual([]);
  expect(
    notified
      .filter((row) => row.template === "order-confirmed")
      .map((row) => row.orderId)
      .sort(),
  ).toEqual([...confirmed].sort());
  expect(
    notified
      .filter((row) => row.template === "order-cancelled")
      .map((row) => row.orderId)
      .sort(),
  ).toEqual([...cancelled].sort());
}
