/** What a refund request did: money came back ("refunded") or nothing had been charged and the key is now void. */
export interface RefundResult {
  outcome: "refunded" | "voided";
  /** Cents returned to the customer (0 for a void). */
  amountCents: number;
  /** True when this key had been refunded or voided before: the answer repeats the first one. */
  repeated: boolean;
}

/** A payment provider: charges and refunds, both idempotent by the key the caller chooses (the payment's id). */
export interface PaymentProvider {
  name: string;
  /**
   * `idempotencyKey` is the same for every attempt at one payment: a provider that already
   * charged it answers with that charge instead of charging again (a worker may crash after a
   * successful charge and before recording it, and the retry must not charge twice). Throws
   * PaymentVoidedError, charging nothing, when the key was refunded or voided before.
   */
  charge(request: { idempotencyKey: string; orderId: string; amountCents: number }): Promise<{ reference: string }>;
  /**
   * Refunds the charge of `idempotencyKey`, or, when there is none, voids the key so that a later
   * charge with it is refused. Idempotent; serialized with charge() per key by the provider.
   */
  refund(request: { idempotencyKey: string }): Promise<RefundResult>;
}

/** The card was declined: nothing was charged; a retry may succeed. */
export class PaymentDeclinedError extends Error {
  override name = "PaymentDeclinedError";
}

/** No answer in time. The charge may or may not have happened: retry with the same key, or refund it. */
export class PaymentTimeoutError extends Error {
  override name = "PaymentTimeoutError";
}

/** Permanent: the key was refunded or voided (the order was cancelled), so it will never be charged. */
export class PaymentVoidedError extends Error {
  override name = "PaymentVoidedError";
}
