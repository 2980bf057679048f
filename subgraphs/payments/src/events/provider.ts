/** A payment provider: charges an amount for an order, or throws. */
export interface PaymentProvider {
  name: string;
  /**
   * `idempotencyKey` is the same for every attempt at one payment: a provider that already
   * settled it answers with that charge instead of charging again (a worker may crash after a
   * successful charge and before recording it, and the retry must not charge twice).
   */
  charge(request: { orderId: string; amountCents: number; attempt: number; idempotencyKey: string }): Promise<{ reference: string }>;
}

export class PaymentDeclinedError extends Error {
  override name = "PaymentDeclinedError";
}

export interface SimulatedProviderOptions {
  /** Probability (0..1) that a charge fails. @default 0.1 */
  failureRate: number;
  /** Mean latency of a charge. @default 50 */
  latencyMs: number;
  /** Source of randomness, for tests. @default Math.random */
  random?: () => number;
  /** Settled idempotency keys remembered (oldest forgotten first). @default 100_000 */
  rememberKeys?: number;
}

/**
 * The deliberately unreliable provider of the brief: failures and latency come from the
 * environment (PAYMENT_FAILURE_RATE, PAYMENT_LATENCY_MS). Like a real provider it honours
 * idempotency keys; it keeps them in memory (a real one keeps them on its side for a day or so).
 */
export function simulatedProvider(options: SimulatedProviderOptions): PaymentProvider & { chargesMade(): number } {
  const random = options.random ?? Math.random;
  const settled = new Map<string, string>(); // idempotency key -> reference, in insertion order
  let charges = 0;
  return {
    name: "simulated",
    async charge({ orderId, attempt, idempotencyKey }) {
      const latency = options.latencyMs * (0.5 + random());
      await new Promise((resolve) => setTimeout(resolve, latency));
      const earlier = settled.get(idempotencyKey);
      if (earlier) return { reference: earlier };
      if (random() < options.failureRate) throw new PaymentDeclinedError(random() < 0.5 ? "card_declined" : "provider_timeout");
      charges++;
      const reference = `sim_${orderId.slice(0, 8)}_${attempt}`;
      settled.set(idempotencyKey, reference);
      if (settled.size > (options.rememberKeys ?? 100_000)) settled.delete(settled.keys().next().value as string);
      return { reference };
    },
    chargesMade: () => charges,
  };
}
