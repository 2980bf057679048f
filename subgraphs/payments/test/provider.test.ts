import { PaymentDeclinedError, simulatedProvider } from "../src/events/provider";

describe("the simulated payment provider", () => {
  it("charges once per idempotency key: a retry after a successful charge gets that charge back", async () => {
    const options = { failureRate: 0, latencyMs: 1 };
    const provider = simulatedProvider(options);
    const first = await provider.charge({ orderId: "order-1", amountCents: 500, attempt: 1, idempotencyKey: "payment-1" });
    options.failureRate = 1; // the provider would now decline any new charge
    const retry = await provider.charge({ orderId: "order-1", amountCents: 500, attempt: 2, idempotencyKey: "payment-1" });
    expect(retry).toEqual(first);
    expect(provider.chargesMade()).toBe(1);
    await expect(provider.charge({ orderId: "order-2", amountCents: 500, attempt: 1, idempotencyKey: "payment-2" })).rejects.toBeInstanceOf(PaymentDeclinedError);
  });

  it("forgets the oldest keys beyond its memory", async () => {
    const provider = simulatedProvider({ failureRate: 0, latencyMs: 0, rememberKeys: 2 });
    for (const key of ["a", "b", "c"]) await provider.charge({ orderId: "o", amountCents: 1, attempt: 1, idempotencyKey: key });
    await provider.charge({ orderId: "o", amountCents: 1, attempt: 1, idempotencyKey: "a" });
    expect(provider.chargesMade()).toBe(4);
  });
});
