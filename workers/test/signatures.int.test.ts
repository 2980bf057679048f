import { randomUUID } from "node:crypto";
import { createTestDatabase, TEST_EVENT_KEYS, TEST_ROTATED_EVENT_KEYS, type TestDatabase } from "@fedplat/devkit";
import {
  createEvent,
  DEAD_LETTER_QUEUE,
  type DeadLetter,
  type Envelope,
  EventSignatureError,
  eventKeyringOf,
  queueOf,
  signEvent,
} from "@fedplat/events";
import { Queue } from "bullmq";
import pino from "pino";
import { createOrdersEventHandlers } from "@fedplat/orders";
import { createProcessor, deadLetterOps } from "../src";
import { startTestWorkers, type TestWorkers, waitFor } from "./helpers";

jest.setTimeout(60_000);

let database: TestDatabase;
let workers: TestWorkers;
let ordersQueue: Queue;
let deadLetters: Queue;
/** The workers' log lines at warn and above: the security log is asserted on. */
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const logger = pino({ level: "warn" }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
  workers = await startTestWorkers(database, { logger });
  ordersQueue = new Queue(queueOf("orders"), { connection: workers.redis, prefix: workers.prefix });
  deadLetters = new Queue(DEAD_LETTER_QUEUE, { connection: workers.redis, prefix: workers.prefix });
});
afterAll(async () => {
  await ordersQueue?.close();
  await deadLetters?.close();
  await workers?.stop();
  await database?.drop();
});

/** An unpaid order, written straight to the orders table: nothing but a payment.succeeded can confirm it. */
async function pendingOrder(): Promise<{ id: string; customerId: string }> {
  return workers.clients.orders.order.create({
    data: { customerId: randomUUID(), totalCents: 1_250, status: "PENDING" },
  });
}

const paid = (order: { id: string; customerId: string }) =>
  createEvent(
    "payment.succeeded",
    { orderId: order.id, customerId: order.customerId, paymentId: randomUUID(), amountCents: 1_250, attempts: 1 },
    { producer: "payments" },
  );

/** What an attacker with Redis access does: add the job to the consumer's queue directly. */
const enqueue = (event: Omit<Envelope, "signature"> & { signature?: unknown }) =>
  ordersQueue.add(event.type, event, { jobId: event.eventId, attempts: 3 });

const statusOf = async (orderId: string) =>
  (await workers.clients.orders.order.findUniqueOrThrow({ where: { id: orderId } })).status;

async function deadLetterOf(eventId: string): Promise<DeadLetter> {
  return waitFor(
    `the dead letter of ${eventId}`,
    async () => (await deadLetters.getJob(`${queueOf("orders")}.${eventId}`))?.data as DeadLetter | undefined,
  );
}

/** The event is dead-lettered at once with `reason`, the order stays unpaid, and the security log names the event. */
async function expectRefused(
  event: Envelope | Omit<Envelope, "signature">,
  orderId: string,
  reason: RegExp,
): Promise<void> {
  await enqueue(event);
  const letter = await deadLetterOf(event.eventId);
  expect(letter.attempts).toBe(1);
  expect(letter.errors).toEqual([expect.stringMatching(/^UnrecoverableError: event signature invalid: /)]);
  expect(letter.errors[0]).toMatch(reason);
  expect(await statusOf(orderId)).toBe("PENDING");
  const line = logLines.find((entry) => entry.eventId === event.eventId && entry.security === "event-signature");
  expect(line).toMatchObject({ level: 50, type: "payment.succeeded", producer: "payments", queue: queueOf("orders") });
  expect(JSON.stringify(logLines)).not.toContain(TEST_EVENT_KEYS.EVENT_SIGNING_KEYS.split(":hmac:")[1]?.split(",")[0]);
}

describe("event signatures", () => {
  it("applies a payment.succeeded signed by payments' key", async () => {
    const order = await pendingOrder();
    await enqueue(paid(order));
    await waitFor("the order to be confirmed", async () => (await statusOf(order.id)) === "CONFIRMED");
  });

  it("dead-letters an unsigned payment.succeeded enqueued straight into the orders queue, and the order stays unpaid", async () => {
    const order = await pendingOrder();
    const { signature: _, ...forged } = paid(order);
    await expectRefused(forged, order.id, /the event is not signed/);
  });

  it("dead-letters a signed event whose data was altered (pointed at another, unpaid order)", async () => {
    const victim = await pendingOrder();
    const original = paid(await pendingOrder());
    const altered = { ...original, data: { ...original.data, orderId: victim.id, customerId: victim.customerId } };
    await expectRefused(altered, victim.id, /the signature of key pay-1 does not match the event/);
  });

  it("dead-letters an event signed with a key id nobody lists", async () => {
    const order = await pendingOrder();
    const event = paid(order);
    const stranger = eventKeyringOf({
      EVENT_SIGNING_KEYS: `payments:pay-9:hmac:${Buffer.alloc(32, 99).toString("base64")}`,
    });
    await expectRefused(
      { ...event, signature: signEvent(event, stranger) },
      order.id,
      /unknown key pay-9 for producer payments/,
    );
  });

  it("accepts an event signed with a rotated key that is still listed in EVENT_VERIFY_KEYS", async () => {
    const order = await pendingOrder();
    const event = paid(order);
    const rotated = eventKeyringOf({ EVENT_SIGNING_KEYS: TEST_ROTATED_EVENT_KEYS.payments });
    const signature = signEvent(event, rotated);
    expect(signature.kid).toBe("pay-0");
    await enqueue({ ...event, signature });
    await waitFor("the order to be confirmed", async () => (await statusOf(order.id)) === "CONFIRMED");
  });

  it("does not let one producer's key sign as another: catalog's key cannot confirm a payment", async () => {
    const catalogOnly = eventKeyringOf({
      EVENT_SIGNING_KEYS: TEST_EVENT_KEYS.EVENT_SIGNING_KEYS.split(",")
        .filter((entry) => entry.startsWith("catalog:"))
        .join(","),
    });
    const order = await pendingOrder();
    const event = paid(order);
    // A process holding only catalog's key cannot produce payments' events at all...
    expect(() => signEvent(event, catalogOnly)).toThrow(EventSignatureError);
    expect(() => signEvent(event, catalogOnly)).toThrow(/no signing key for producer payments/);
    // ...and signing with catalog's key under payments' name is refused by the consumer.
    const asCatalog = signEvent({ ...event, producer: "catalog" }, catalogOnly);
    expect(asCatalog.kid).toBe("cat-1");
    await expectRefused({ ...event, signature: asCatalog }, order.id, /unknown key cat-1 for producer payments/);
  });

  it("keeps the signature through a dead-letter replay: a genuine event is applied, a forged one is refused again", async () => {
    const ops = deadLetterOps(deadLetters, (name) => (name === ordersQueue.name ? ordersQueue : undefined), {
      attempts: 3,
      backoffMs: 20,
    });
    const letterOf = (event: object, jobId: string): DeadLetter => ({
      queue: ordersQueue.name,
      consumer: "orders",
      jobId,
      event: JSON.parse(JSON.stringify(event)),
      attempts: 3,
      errors: ["Error: database unreachable"],
      failedAt: new Date().toISOString(),
    });
    const genuine = await pendingOrder();
    const event = paid(genuine);
    await deadLetters.add("dead-letter", letterOf(event, event.eventId), {
      jobId: `${ordersQueue.name}.${event.eventId}`,
    });
    expect(await ops.replay(`${ordersQueue.name}.${event.eventId}`)).toBe(true);
    await waitFor("the replayed order to be confirmed", async () => (await statusOf(genuine.id)) === "CONFIRMED");

    const victim = await pendingOrder();
    const { signature: _, ...forged } = paid(victim);
    await deadLetters.add("dead-letter", letterOf(forged, forged.eventId), {
      jobId: `${ordersQueue.name}.${forged.eventId}`,
    });
    expect(await ops.replay(`${ordersQueue.name}.${forged.eventId}`)).toBe(true);
    const again = await waitFor("the replay's dead letter", async () =>
      (await deadLetters.getJobs(["waiting"])).find((job) =>
        String(job.id).startsWith(`${ordersQueue.name}.${forged.eventId}.replay.`),
      ),
    );
    expect(again.data.errors).toEqual(["UnrecoverableError: event signature invalid: the event is not signed"]);
    expect(await statusOf(victim.id)).toBe("PENDING");
  });

  it("EVENT_SIGNATURES=warn applies an unsigned event with a warning (events from before signing), never a wrongly signed one", async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    const warn = eventKeyringOf({ ...TEST_EVENT_KEYS, EVENT_SIGNATURES: "warn" });
    const processor = createProcessor("orders", createOrdersEventHandlers(workers.clients.orders), undefined, {
      logger,
      keyring: warn,
    });
    const job = (data: unknown) => ({
      data,
      attemptsMade: 0,
      opts: { attempts: 3 },
      queueName: ordersQueue.name,
      id: "job",
    });

    const old = await pendingOrder();
    const { signature: _, ...unsigned } = paid(old);
    await expect(processor(job(unsigned) as never)).resolves.toBe("applied");
    expect(await statusOf(old.id)).toBe("CONFIRMED");
    expect(warnings).toEqual([
      expect.objectContaining({
        level: 40,
        eventId: unsigned.eventId,
        producer: "payments",
        security: "event-signature",
        msg: "unsigned event accepted (EVENT_SIGNATURES=warn)",
      }),
    ]);

    const victim = await pendingOrder();
    const original = paid(await pendingOrder());
    const altered = { ...original, data: { ...original.data, orderId: victim.id, customerId: victim.customerId } };
    await expect(processor(job(altered) as never)).rejects.toThrow(
      /^event signature invalid: the signature of key pay-1 does not match the event$/,
    );
    expect(await statusOf(victim.id)).toBe("PENDING");
  });
});
