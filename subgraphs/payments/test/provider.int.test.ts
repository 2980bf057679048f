import { randomUUID } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@fedplat/devkit";
import { PaymentDeclinedError, PaymentTimeoutError, PaymentVoidedError } from "../src/events/provider";
import {
  type SimulatedProvider,
  type SimulatedProviderOptions,
  simulatedProvider,
} from "../src/provider/simulatedProvider";

let database: TestDatabase;
const providers: SimulatedProvider[] = [];
/** A provider on the test database; closed after the file. */
const open = (options: SimulatedProviderOptions = { failureRate: 0, latencyMs: 1 }) => {
  const provider = simulatedProvider(database.url, options);
  providers.push(provider);
  return provider;
};
const net = async (provider: SimulatedProvider, key: string) =>
  (await provider.accounts([key])).get(key)?.netCents ?? 0;
const order = () => ({ idempotencyKey: randomUUID(), orderId: randomUUID(), amountCents: 1_250 });

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(providers.map((provider) => provider.close()));
  await database?.drop();
});

describe("the simulated payment provider's durable ledger", () => {
  it("provisions its own schema once, even when several processes start at the same moment", async () => {
    const starting = [open(), open(), open()];
    const charges = await Promise.all(starting.map((provider) => provider.charge(order())));
    expect(charges).toHaveLength(3);
  });

  it("charges once per idempotency key: a repeat gets the first charge back", async () => {
    const options = { failureRate: 0, latencyMs: 1 };
    const provider = open(options);
    const request = order();
    const first = await provider.charge(request);
    options.failureRate = 1; // it would now fail any new charge; a repeat is answered from the ledger or times out after it
    const repeat = await provider.charge(request).catch((error: unknown) => error);
    if (!(repeat instanceof PaymentTimeoutError)) expect(repeat).toEqual(first);
    options.failureRate = 0;
    expect(await provider.charge(request)).toEqual(first);
    expect((await provider.entries(request.idempotencyKey)).map((entry) => [entry.kind, entry.amountCents])).toEqual([
      ["charge", 1_250],
    ]);
    expect(await net(provider, request.idempotencyKey)).toBe(1_250);
  });

  it("declines without charging, and times out AFTER charging (the retry returns that charge, not a second one)", async () => {
    let next = 0;
    const rolls: number[] = [];
    const options: SimulatedProviderOptions = { failureRate: 1, latencyMs: 0, random: () => rolls[next++] ?? 0.9 };
    const provider = open(options);
    const declined = order();
    rolls.push(0.5, 0.1, 0.2); // latency, failure roll, kind: declined
    await expect(provider.charge(declined)).rejects.toBeInstanceOf(PaymentDeclinedError);
    expect(await provider.entries(declined.idempotencyKey)).toEqual([]);

    const timedOut = order();
    rolls.push(0.5, 0.1, 0.7); // latency, failure roll, kind: timeout
    await expect(provider.charge(timedOut)).rejects.toBeInstanceOf(PaymentTimeoutError);
    expect(await net(provider, timedOut.idempotencyKey)).toBe(1_250); // the money moved
    options.failureRate = 0;
    await provider.charge(timedOut);
    expect(await provider.entries(timedOut.idempotencyKey)).toHaveLength(1);
  });

  it("refunds a charge once, and refuses to charge a refunded key again", async () => {
    const provider = open();
    const request = order();
    await provider.charge(request);
    expect(await provider.refund({ idempotencyKey: request.idempotencyKey })).toEqual({
      outcome: "refunded",
      amountCents: 1_250,
      repeated: false,
    });
    expect(await provider.refund({ idempotencyKey: request.idempotencyKey })).toEqual({
      outcome: "refunded",
      amountCents: 1_250,
      repeated: true,
    });
    await expect(provider.charge(request)).rejects.toBeInstanceOf(PaymentVoidedError);
    expect((await provider.entries(request.idempotencyKey)).map((entry) => entry.amountCents)).toEqual([1_250, -1_250]);
    expect(await provider.accounts([request.idempotencyKey])).toEqual(
      new Map([
        [
          request.idempotencyKey,
          { idempotencyKey: request.idempotencyKey, orderId: request.orderId, status: "refunded", netCents: 0 },
        ],
      ]),
    );
  });

  it("voids a key that was never charged: a later charge with it is refused and charges nothing", async () => {
    const provider = open();
    const request = order();
    expect(await provider.refund({ idempotencyKey: request.idempotencyKey })).toEqual({
      outcome: "voided",
      amountCents: 0,
      repeated: false,
    });
    await expect(provider.charge(request)).rejects.toBeInstanceOf(PaymentVoidedError);
    expect(await provider.refund({ idempotencyKey: request.idempotencyKey })).toEqual({
      outcome: "voided",
      amountCents: 0,
      repeated: true,
    });
    expect(await provider.entries(request.idempotencyKey)).toEqual([]);
    expect(await net(provider, request.idempotencyKey)).toBe(0);
  });

  it("nets 0 on every key where a charge and a refund ran at once, whichever the provider served first", async () => {
    const provider = open({ failureRate: 0, latencyMs: 20 });
    const requests = Array.from({ length: 40 }, order);
    const outcomes = await Promise.all(
      requests.map(async (request) => {
        const [charged, refund] = await Promise.all([
          provider.charge(request).then(
            () => "charged",
            (error: unknown) => (error instanceof PaymentVoidedError ? "refused" : "error"),
          ),
          provider.refund(request),
        ]);
        return { charged, refund: refund.outcome };
      }),
    );
    const accounts = await provider.accounts(requests.map((request) => request.idempotencyKey));
    expect(requests.map((request) => accounts.get(request.idempotencyKey)?.netCents)).toEqual(requests.map(() => 0));
    // Each pair is consistent: charged then refunded, or voided then refused.
    for (const outcome of outcomes)
      expect([
        { charged: "charged", refund: "refunded" },
        { charged: "refused", refund: "voided" },
      ]).toContainEqual(outcome);
    // With 10-30 ms of random latency each, both orders happen.
    expect(new Set(outcomes.map((outcome) => outcome.refund)).size).toBe(2);
  });

  it("keeps its keys across a restart: a new instance answers a repeat with the first charge and refunds it", async () => {
    const before = simulatedProvider(database.url, { failureRate: 0, latencyMs: 1 });
    const request = order();
    const first = await before.charge(request);
    await before.close();
    const after = open();
    expect(await after.charge(request)).toEqual(first);
    expect(await after.refund({ idempotencyKey: request.idempotencyKey })).toMatchObject({
      outcome: "refunded",
      repeated: false,
    });
    expect(await net(after, request.idempotencyKey)).toBe(0);
  });
});
