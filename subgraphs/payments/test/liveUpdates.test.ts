import { randomUUID } from "node:crypto";
import { startTestSubgraph, type TestSubgraph } from "@fedplat/devkit";
import { createEvent, type LiveUpdate, type LiveUpdatePublisher } from "@fedplat/events";
import { buildPaymentsServer, createPaymentsEventHandlers, createPaymentsPrisma, type PaymentsPrisma } from "../src";

let subgraph: TestSubgraph<PaymentsPrisma>;
/** Each announcement, with the payment's state in the database when it was made (so only after a commit). */
const announced: Array<LiveUpdate & { state?: string }> = [];
const live: LiveUpdatePublisher = {
  publish: async (...updates) => {
    for (const update of updates) announced.push({ ...update, state: (await subgraph.prisma.payment.findUnique({ where: { id: update.id } }))?.state });
  },
};

beforeAll(async () => {
  subgraph = await startTestSubgraph({ createPrisma: createPaymentsPrisma, build: buildPaymentsServer });
});
afterAll(() => subgraph?.stop());

it("announces each committed change of a payment: created, a failed attempt, the charge, the refund", async () => {
  let calls = 0;
  const handlers = createPaymentsEventHandlers(subgraph.prisma, { name: "test", charge: async () => (++calls === 1 ? Promise.reject(new Error("declined")) : { reference: "r" }) }, live);
  const orderId = randomUUID();
  const customerId = randomUUID();
  const reserved = createEvent("stock.reserved", { orderId, customerId, totalCents: 1200, currency: "EUR" }, { producer: "catalog" });

  await expect(handlers["stock.reserved"]?.(reserved, { attempt: 1, isLastAttempt: false })).rejects.toThrow("declined");
  expect(await handlers["stock.reserved"]?.(reserved, { attempt: 2, isLastAttempt: false })).toBe("applied");
  const cancelled = createEvent("order.cancelled", { orderId, customerId, reason: "customer" }, { producer: "orders" });
  expect(await handlers["order.cancelled"]?.(cancelled, { attempt: 1, isLastAttempt: false })).toBe("applied");
  // A redelivery changes nothing, so it announces nothing.
  expect(await handlers["order.cancelled"]?.(cancelled, { attempt: 1, isLastAttempt: false })).toBe("duplicate");

  const payment = await subgraph.prisma.payment.findUniqueOrThrow({ where: { orderId } });
  expect(announced.every((update) => update.typename === "Payment" && update.id === payment.id && update.ownerId === customerId)).toBe(true);
  expect(announced.map((update) => update.state)).toEqual(["PENDING", "PENDING", "SUCCEEDED", "REFUNDED"]);
});
