import {
  claimEvent,
  type EventHandlers,
  type HandlerContext,
  type EventStore,
  transactionalHandler,
  writeOutbox,
} from "@fedplat/event-store";
import { type Envelope, followUp, type LiveUpdate, type LiveUpdatePublisher, noLiveUpdates } from "@fedplat/events";
import type { PaymentsPrisma } from "../db";
import type { Payment, Prisma } from "../generated/prisma/client";
import { type PaymentProvider, PaymentVoidedError } from "./provider";

type Tx = Prisma.TransactionClient;

/** "This payment changed", for subscribers and the gateway's cache; sent only after the change commits. */
const paymentUpdate = (payment: Pick<Payment, "id" | "customerId">): LiveUpdate => ({
  typename: "Payment",
  id: payment.id,
  ownerId: payment.customerId,
});

/**
 * Flow 3, step 2: charge the provider for a reserved order. The charge happens outside any
 * database transaction; each attempt is recorded. A failed attempt throws so the queue retries
 * it with backoff (same idempotency key: a charge that went through before a timeout is not
 * repeated); on the last attempt the key is refunded or voided at the provider (so a failed
 * payment holds no money), the payment is marked FAILED and payment.failed is emitted (the
 * compensation), and the job still fails so it lands in the dead letters.
 *
 * Every state change is conditional on PENDING: a cancellation may settle the payment while the
 * provider is charging, and its refund (or void) wins; see the order.cancelled handler.
 */
async function charge(
  prisma: PaymentsPrisma,
  provider: PaymentProvider,
  live: LiveUpdatePublisher,
  event: Envelope<"stock.reserved">,
  context: HandlerContext,
): Promise<"applied" | "duplicate"> {
  const { orderId, customerId, totalCents, currency } = event.data;
  const payment = await prisma.payment.upsert({
    where: { orderId },
    create: { orderId, customerId, amountCents: totalCents, currency, provider: provider.name },
    update: {},
  });
  if (payment.state !== "PENDING") return "duplicate"; // settled already (or the order was cancelled first)
  if (context.attempt === 1) await live.publish(paymentUpdate(payment)); // the order has a payment now
  try {
    await provider.charge({ idempotencyKey: payment.id, orderId, amountCents: totalCents });
  } catch (error) {
    if (error instanceof PaymentVoidedError) return refusedAfterCancellation(prisma, live, event, payment);
    const reason = error instanceof Error ? error.message : String(error);
    const final = context.isLastAttempt;
    // A timeout may hide a charge: give it back (or void the key) before recording the failure.
    if (final) await provider.refund({ idempotencyKey: payment.id });
    await prisma.$transaction(async (tx) => {
      const updated = await tx.payment.update({
        where: { id: payment.id },
        data: { attempts: { increment: 1 }, lastError: reason },
      });
      await tx.paymentAttempt.create({
        data: { paymentId: payment.id, number: updated.attempts, succeeded: false, error: reason },
      });
      if (!final || updated.state !== "PENDING") return; // a cancellation settled it meanwhile
      await tx.payment.update({ where: { id: payment.id }, data: { state: "FAILED" } });
      if (await claimEvent(tx, event)) {
        await writeOutbox(tx, [
          followUp(event, "payments", "payment.failed", {
            orderId,
            customerId,
            paymentId: payment.id,
            reason,
            attempts: updated.attempts,
          }),
        ]);
      }
    });
    await live.publish(paymentUpdate(payment));
    throw error;
  }
  const outcome = await prisma.$transaction(async (tx) => {
    if (!(await claimEvent(tx, event))) return "duplicate" as const;
    // The UPDATE takes the row lock, so the state read here cannot change before this commits.
    const updated = await tx.payment.update({ where: { id: payment.id }, data: { attempts: { increment: 1 } } });
    await tx.paymentAttempt.create({ data: { paymentId: payment.id, number: updated.attempts, succeeded: true } });
    // Cancelled while the provider charged: the cancellation's refund settles this charge.
    if (updated.state !== "PENDING") return "applied" as const;
    await tx.payment.update({ where: { id: payment.id }, data: { state: "SUCCEEDED", lastError: null } });
    await writeOutbox(tx, [
      followUp(event, "payments", "payment.succeeded", {
        orderId,
        customerId,
        paymentId: payment.id,
        amountCents: totalCents,
        attempts: updated.attempts,
      }),
    ]);
    return "applied" as const;
  });
  if (outcome === "applied") await live.publish(paymentUpdate(payment));
  return outcome;
}

/** The provider refused the charge because the order's cancellation voided the key first: nothing was charged, nothing to retry. */
async function refusedAfterCancellation(
  prisma: PaymentsPrisma,
  live: LiveUpdatePublisher,
  event: Envelope<"stock.reserved">,
  payment: Payment,
): Promise<"applied" | "duplicate"> {
  const changed = await prisma.$transaction(async (tx) => {
    if (!(await claimEvent(tx, event))) return undefined;
    const { count } = await tx.payment.updateMany({
      where: { id: payment.id, state: "PENDING" },
      data: { state: "FAILED", lastError: CANCELLED },
    });
    return count === 1;
  });
  if (changed === undefined) return "duplicate";
  if (changed) await live.publish(paymentUpdate(payment));
  return "applied";
}

const CANCELLED = "order cancelled";

/**
 * The order was cancelled (by its customer, staff, or the saga): ALWAYS ask the provider to
 * refund the payment's key, whatever the payments row says (a worker may have crashed after
 * charging and before recording it), or to void it so that a charge still in flight is refused.
 * The payment row comes first: its id is the key. Then the payment is REFUNDED when money came
 * back, FAILED otherwise; a payment that had already failed or been refunded keeps its state.
 */
async function cancelPayment(
  prisma: PaymentsPrisma,
  provider: PaymentProvider,
  live: LiveUpdatePublisher,
  store: EventStore<Tx>,
  event: Envelope,
  context: HandlerContext,
): Promise<"applied" | "duplicate"> {
  const { orderId, customerId } = (event as Envelope<"order.cancelled">).data;
  let payment = await prisma.payment.findUnique({ where: { orderId } });
  let created = false;
  if (!payment) {
    payment = await prisma.payment.upsert({
      where: { orderId },
      create: {
        orderId,
        customerId,
        amountCents: 0,
        provider: "none",
        state: "FAILED",
        lastError: `${CANCELLED} before payment`,
      },
      update: {},
    });
    created = payment.provider === "none" && payment.state === "FAILED";
  }
  const refund = await provider.refund({ idempotencyKey: payment.id });
  const settledPayment = payment;
  let changed = false;
  const outcome = await transactionalHandler("order.cancelled", store, async (tx) => {
    const state = refund.outcome === "refunded" ? "REFUNDED" : "FAILED";
    const { count } = await tx.payment.updateMany({
      where: { id: settledPayment.id, state: { in: ["PENDING", "SUCCEEDED"] } },
      data: { state, ...(state === "FAILED" ? { lastError: CANCELLED } : {}) },
    });
    changed = count === 1;
    return [];
  })(event, context);
  if (outcome === "applied" && (changed || created)) await live.publish(paymentUpdate(settledPayment));
  return outcome;
}

/** What payments does with the events routed to it; each committed change of a payment is announced through `live`. */
export function createPaymentsEventHandlers(
  prisma: PaymentsPrisma,
  provider: PaymentProvider,
  live: LiveUpdatePublisher = noLiveUpdates,
): EventHandlers {
  const store: EventStore<Tx> = { schema: "payments", transaction: (fn) => prisma.$transaction(fn) };
  return {
    "stock.reserved": (event, context) => charge(prisma, provider, live, event as Envelope<"stock.reserved">, context),
    "order.cancelled": (event, context) => cancelPayment(prisma, provider, live, store, event, context),
  };
}
