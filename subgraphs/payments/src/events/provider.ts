/** A payment provider: charges an amount for an order, or throws. */
export interface PaymentProvider {
  name: string;
  charge(request: { orderId: string; amountCents: number; attempt: number }): Promise<{ reference: string }>;
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
}

/**
 * The deliberately unreliable provider of the brief: failures and latency come from the
 * environment (PAYMENT_FAILURE_RATE, PAYMENT_LATENCY_MS).
 */
export function simulatedProvider(options: SimulatedProviderOptions): PaymentProvider {
  const random = options.random ?? Math.random;
  return {
    name: "simulated",
    async charge({ orderId, attempt }) {
      const latency = options.latencyMs * (0.5 + random());
      await new Promise((resolve) => setTimeout(resolve, latency));
      if (random() < options.failureRate) throw new PaymentDeclinedError(random() < 0.5 ? "card_declined" : "provider_timeout");
      return { reference: `sim_${orderId.slice(0, 8)}_${attempt}` };
    },
  };
}
