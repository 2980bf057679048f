import { randomUUID } from "node:crypto";
import { startTestSubgraph, type TestSubgraph } from "@fedplat/devkit";
import { createEvent, type LiveUpdate, type LiveUpdatePublisher } from "@fedplat/events";
import {
  buildPaymentsServer,
  createPaymentsEventHandlers,
  createPaymentsPrisma,
  type PaymentsPrisma,
  type SimulatedProvider,
  simulatedProvider,
} from "../src";

let subgraph: TestSubgraph<PaymentsPrisma>;
let provider: SimulatedProvider;
// Declines while failureRate is 1 (each random draw is 0.1: a failure, of the "declined" kind).
const providerOptions = { failureRate: 1, latencyMs: 0, random: () => 0.1 };
/** Each announcement, with the payment's state in the database when it was made (so only after a commit). */
const announced: Array<LiveUpdate & { state?: string }> = [];
const live: LiveUpdatePublisher = {
  publish: async (...updates) => {
    for (const update of updates)
      announced.push({
        ...update,
        state: (await subgraph.prisma.payment.findUnique({ where: { id: update.id } }))?.state,
      });
  },
};

beforeAll(async () => {
  subgraph = await startTestSubgraph({ createPrisma: createPaymentsPrisma, build: buildPaymentsServer });
  provider = simulatedProvider(subgraph.database.url, providerOptions);
});
afterAll(async () => {
  await provider?.close();
  await subgraph?.stop();
});

it("announces each committed change of a payment: created, a failed attempt, the charge, the refund", async () => {
  const handlers = createPaymentsEventHandlers(subgraph.prisma, provider, live);
  const orderId = randomUUID();
  const customerId = randomUUID();
  const reserved = createEvent(
    "stock.reserved",
    { orderId, customerId, totalCents: 1200, currency: "EUR" },
    { producer: "catalog" },
  );

  await expect(handlers["stock.reserved"]?.(reserved, { attempt: 1, isLastAttempt: false })).rejects.toThrow(
    "card_declined",
  );
  providerOptions.failureRate = 0;
  expect(await handlers["stock.reserved"]?.(reserved, { attempt: 2, isLastAttempt: false })).toBe("applied");
  const cancelled = createEvent("order.cancelled", { orderId, customerId, reason: "customer" }, { producer: "orders" });
  expect(await handlers["order.cancelled"]?.(cancelled, { attempt: 1, isLastAttempt: false })).toBe("applied");
  // A redelivery changes nothing, so it announces nothing.
  expect(await handlers["order.cancelled"]?.(cancelled, { attempt: 1, isLastAttempt: false })).toBe("duplicate");

  const payment = await subgraph.prisma.payment.findUniqueOrThrow({ where: { orderId } });
  expect(
    announced.every(
      (update) => update.typename === "Payment" && update.id === payment.id && update.ownerId === customerId,
    ),
  ).toBe(true);
  expect(announced.map((update) => update.state)).toEqual(["PENDING", "PENDING", "SUCCEEDED", "REFUNDED"]);
  // The refund is real: the provider charged once and gave it back.
  expect((await provider.entries(payment.id)).map((entry) => entry.amountCents)).toEqual([1200, -1200]);
});
