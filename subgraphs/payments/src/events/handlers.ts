import { claimEvent, type Envelope, type EventHandlers, followUp, type HandlerContext, type EventStore, type LiveUpdate, type LiveUpdatePublisher, noLiveUpdates, transactionalHandler, writeOutbox } from "@fedplat/events";
import type { PaymentsPrisma } from "../db";
import type { Payment, Prisma } from "../generated/prisma/client";
import type { PaymentProvider } from "./provider";

type Tx = Prisma.TransactionClient;

/** "This payment changed", for subscribers and the gateway's cache; sent only after the change commits. */
const paymentUpdate = (payment: Pick<Payment, "id" | "customerId">): LiveUpdate => ({ typename: "Payment", id: payment.id, ownerId: payment.customerId });

/**
 * Flow 3, step 2: charge the provider for a reserved order. The charge happens outside any
 * database transaction; each attempt is recorded. A failed attempt throws so the queue retries
 * it with backoff; on the last attempt the payment is marked FAILED and payment.failed is
 * emitted (the compensation), and the job still fails so it lands in the dead letters.
 */
async function charge(prisma: PaymentsPrisma, provider: PaymentProvider, live: LiveUpdatePublisher, event: Envelope<"stock.reserved">, context: HandlerContext): Promise<"applied" | "duplicate"> {
  const { orderId, customerId, totalCents, currency } = event.data;
  const payment = await prisma.payment.upsert({
    where: { orderId },
    create: { orderId, customerId, amountCents: totalCents, currency, provider: provider.name },
    update: {},
  });
  if (payment.state !== "PENDING") return "duplicate"; // settled already (or the order was cancelled first)
  if (context.attempt === 1) await live.publish(paymentUpdate(payment)); // the order has a payment now
  try {
    await provider.charge({ orderId, amountCents: totalCents, attempt: context.attempt, idempotencyKey: payment.id });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const final = context.isLastAttempt;
    await prisma.$transaction(async (tx) => {
      const updated = await tx.payment.update({ where: { id: payment.id }, data: { attempts: { increment: 1 }, lastError: reason, ...(final ? { state: "FAILED" } : {}) } });
      await tx.paymentAttempt.create({ data: { paymentId: payment.id, number: updated.attempts, succeeded: false, error: reason } });
      if (final && (await claimEvent(tx, event))) {
        await writeOutbox(tx, [followUp(event, "payments", "payment.failed", { orderId, customerId, paymentId: payment.id, reason, attempts: updated.attempts })]);
      }
    });
    await live.publish(paymentUpdate(payment));
    throw error;
  }
  const outcome = await prisma.$transaction(async (tx) => {
    if (!(await claimEvent(tx, event))) return "duplicate" as const;
    const updated = await tx.payment.update({ where: { id: payment.id }, data: { state: "SUCCEEDED", attempts: { increment: 1 }, lastError: null } });
    await tx.paymentAttempt.create({ data: { paymentId: payment.id, number: updated.attempts, succeeded: true } });
    await writeOutbox(tx, [followUp(event, "payments", "payment.succeeded", { orderId, customerId, paymentId: payment.id, amountCents: totalCents, attempts: updated.attempts })]);
    return "applied" as const;
  });
  if (outcome === "applied") await live.publish(paymentUpdate(payment));
  return outcome;
}

/** What payments does with the events routed to it; each committed change of a payment is announced through `live`. */
export function createPaymentsEventHandlers(prisma: PaymentsPrisma, provider: PaymentProvider, live: LiveUpdatePublisher = noLiveUpdates): EventHandlers {
  const store: EventStore<Tx> = { schema: "payments", transaction: (fn) => prisma.$transaction(fn) };
  return {
    "stock.reserved": (event, context) => charge(prisma, provider, live, event as Envelope<"stock.reserved">, context),
    // The order was cancelled: refund what was charged; a payment not made yet will not be.
    "order.cancelled": async (event, context) => {
      let settled: Payment | undefined;
      const outcome = await transactionalHandler("order.cancelled", store, async (tx, typed) => {
        const { orderId, customerId } = typed.data;
        await tx.payment.updateMany({ where: { orderId, state: "SUCCEEDED" }, data: { state: "REFUNDED" } });
        await tx.payment.updateMany({ where: { orderId, state: "PENDING" }, data: { state: "FAILED", lastError: "order cancelled" } });
        settled = (await tx.payment.findUnique({ where: { orderId } })) ?? (await tx.payment.create({ data: { orderId, customerId, amountCents: 0, provider: "none", state: "FAILED", lastError: "order cancelled before payment" } }));
        return [];
      })(event, context);
      if (outcome === "applied" && settled) await live.publish(paymentUpdate(settled));
      return outcome;
    },
  };
}
