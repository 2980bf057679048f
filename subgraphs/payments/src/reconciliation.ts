import type { PaymentsPrisma } from "./db";
import type { Payment } from "./generated/prisma/client";
import type { LedgerAccount, PaymentLedger } from "./provider/simulatedProvider";

/** Why a payment and the provider's ledger disagree. */
export type MismatchReason =
  /** SUCCEEDED, but the provider holds nothing for it. */
  | "NOT_CHARGED"
  /** SUCCEEDED, but the provider holds another amount. */
  | "WRONG_AMOUNT"
  /** REFUNDED or FAILED, but the provider still holds money. */
  | "MONEY_HELD"
  /** Still PENDING after the grace period, and the provider holds money for it: its saga never recorded the charge. */
  | "PENDING_CHARGED"
  /** The provider has a key that is no payment's id. */
  | "UNKNOWN_KEY";

export interface PaymentMismatch {
  paymentId: string | null;
  orderId: string | null;
  /** The provider's key: the payment's id. */
  idempotencyKey: string;
  state: Payment["state"] | null;
  expectedCents: number;
  actualCents: number;
  reason: MismatchReason;
}

export interface Reconciliation {
  checkedPayments: number;
  /** PENDING payments younger than the grace period, not judged yet. */
  skippedPending: number;
  checkedKeys: number;
  mismatches: PaymentMismatch[];
}

export interface ReconcileOptions {
  /** PENDING payments created less than this long ago are skipped. */
  graceMs: number;
  now?: Date;
  /** Rows read per round trip. @default 1000 */
  batchSize?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function judge(payment: Payment, actualCents: number): PaymentMismatch | undefined {
  const mismatch = (expectedCents: number, reason: MismatchReason): PaymentMismatch => ({
    paymentId: payment.id,
    orderId: payment.orderId,
    idempotencyKey: payment.id,
    state: payment.state,
    expectedCents,
    actualCents,
    reason,
  });
  switch (payment.state) {
    case "SUCCEEDED":
      if (actualCents === payment.amountCents) return undefined;
      return mismatch(payment.amountCents, actualCents === 0 ? "NOT_CHARGED" : "WRONG_AMOUNT");
    case "PENDING": // older than the grace period: no saga is charging it any more
      return actualCents === 0 ? undefined : mismatch(0, "PENDING_CHARGED");
    default:
      return actualCents === 0 ? undefined : mismatch(0, "MONEY_HELD");
  }
}

/**
 * Compares every payment with the provider's ledger, then every provider key with the payments
 * (the two may live in different databases, so no join: batches by key on each side). Expected
 * net per payment: its amount when SUCCEEDED, 0 when REFUNDED, FAILED or (past the grace period)
 * PENDING.
 */
export async function reconcilePayments(
  prisma: PaymentsPrisma,
  ledger: PaymentLedger,
  options: ReconcileOptions,
): Promise<Reconciliation> {
  const batchSize = options.batchSize ?? 1_000;
  const staleBefore = new Date((options.now ?? new Date()).getTime() - options.graceMs);
  const result: Reconciliation = { checkedPayments: 0, skippedPending: 0, checkedKeys: 0, mismatches: [] };

  let cursor: string | undefined;
  for (;;) {
    const payments = await prisma.payment.findMany({
      orderBy: { id: "asc" },
      take: batchSize,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    if (payments.length === 0) break;
    const accounts = await ledger.accounts(payments.map((payment) => payment.id));
    for (const payment of payments) {
      if (payment.state === "PENDING" && payment.createdAt >= staleBefore) {
        result.skippedPending++;
        continue;
      }
      result.checkedPayments++;
      const mismatch = judge(payment, accounts.get(payment.id)?.netCents ?? 0);
      if (mismatch) result.mismatches.push(mismatch);
    }
    cursor = payments.at(-1)?.id;
  }

  let after: string | null = null;
  for (;;) {
    const accounts: LedgerAccount[] = await ledger.accountsAfter(after, batchSize);
    if (accounts.length === 0) break;
    result.checkedKeys += accounts.length;
    const ids = accounts.map((account) => account.idempotencyKey).filter((key) => UUID.test(key));
    const known = new Set(
      (await prisma.payment.findMany({ where: { id: { in: ids } }, select: { id: true } })).map(
        (payment) => payment.id,
      ),
    );
    for (const account of accounts) {
      if (known.has(account.idempotencyKey)) continue;
      result.mismatches.push({
        paymentId: null,
        orderId: account.orderId,
        idempotencyKey: account.idempotencyKey,
        state: null,
        expectedCents: 0,
        actualCents: account.netCents,
        reason: "UNKNOWN_KEY",
      });
    }
    after = accounts.at(-1)?.idempotencyKey ?? null;
  }
  return result;
}
