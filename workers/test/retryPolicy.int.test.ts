import { randomUUID } from "node:crypto";
import { createRedis, type Redis } from "@fedplat/runtime";
import { TEST_IDENTITY_ENV } from "@fedplat/devkit";
import { type Consumer, CONSUMERS, createEvent, queueOf } from "@fedplat/events";
import { Queue, Worker } from "bullmq";
import { eventJobOptions, loadWorkersConfig, retryPolicyOf } from "../src";
import { waitFor } from "./helpers";

jest.setTimeout(30_000);

const config = (env: Record<string, string> = {}) => loadWorkersConfig({ ...TEST_IDENTITY_ENV, ...env });

describe("retry policy per queue", () => {
  it("defaults to 5 attempts 1 s apart at first (1 s, 2 s, 4 s, 8 s), with jitter, on every queue", () => {
    const policy = retryPolicyOf(config());
    for (const consumer of CONSUMERS) {
      expect(eventJobOptions(randomUUID(), consumer, policy)).toMatchObject({
        attempts: 5,
        backoff: { type: "exponential", delay: 1_000, jitter: 0.5 },
      });
    }
  });

  it("takes each queue's own attempts and first delay from the environment; the others keep the defaults", () => {
    const policy = retryPolicyOf(
      config({
        EVENTS_ATTEMPTS: "4",
        EVENTS_BACKOFF_MS: "500",
        EVENTS_ATTEMPTS_PAYMENTS: "8",
        EVENTS_BACKOFF_MS_PAYMENTS: "5000",
        EVENTS_BACKOFF_MS_CATALOG: "200",
      }),
    );
    const optionsOf = (consumer: Consumer) => eventJobOptions(randomUUID(), consumer, policy);
    expect(optionsOf("payments")).toMatchObject({ attempts: 8, backoff: { delay: 5_000 } });
    expect(optionsOf("catalog")).toMatchObject({ attempts: 4, backoff: { delay: 200 } });
    expect(optionsOf("orders")).toMatchObject({ attempts: 4, backoff: { delay: 500 } });
  });

  it("rejects a delay that is not a whole number of milliseconds, naming the setting", () => {
    expect(() => config({ EVENTS_BACKOFF_MS_ORDERS: "soon" })).toThrow(/EVENTS_BACKOFF_MS_ORDERS/);
    expect(() => config({ EVENTS_BACKOFF_MS_ORDERS: "-5" })).toThrow(/EVENTS_BACKOFF_MS_ORDERS/);
  });

  describe("on real BullMQ queues", () => {
    const prefix = `test-${randomUUID()}`;
    let redis: Redis;
    const queues: Queue[] = [];
    const workers: Worker[] = [];
    afterAll(async () => {
      await Promise.all(workers.map((worker) => worker.close()));
      for (const queue of queues) await queue.obliterate({ force: true });
      await Promise.all(queues.map((queue) => queue.close()));
      await redis?.quit();
    });

    it("waits the queue's own delay before a retry", async () => {
      redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "retry-policy-test");
      const policy = retryPolicyOf(config({ EVENTS_BACKOFF_MS: "50", EVENTS_BACKOFF_MS_PAYMENTS: "1500" }));
      // Each queue's handler fails its first attempt; the second succeeds.
      const attemptsAt = new Map<Consumer, number[]>();
      for (const consumer of ["payments", "orders"] as const) {
        const queue = new Queue(queueOf(consumer), { connection: redis, prefix });
        queues.push(queue);
        attemptsAt.set(consumer, []);
        workers.push(
          new Worker(
            queueOf(consumer),
            async () => {
              const times = attemptsAt.get(consumer) as number[];
              times.push(Date.now());
              if (times.length === 1) throw new Error("first attempt fails");
            },
            { connection: redis, prefix },
          ),
        );
        const event = createEvent(
          "stock.reserved",
          { orderId: randomUUID(), customerId: randomUUID(), totalCents: 100, currency: "EUR" },
          { producer: "catalog" },
        );
        await queue.add(event.type, event, eventJobOptions(event.eventId, consumer, policy));
      }
      await waitFor("both retries", async () => [...attemptsAt.values()].every((times) => times.length === 2), 20_000);
      const gap = (consumer: Consumer) => {
        const [first, second] = attemptsAt.get(consumer) as number[];
        return (second as number) - (first as number);
      };
      // Jitter takes up to half of the delay off: payments waits at least 750 ms, orders far less.
      expect(gap("payments")).toBeGreaterThanOrEqual(750);
      expect(gap("orders")).toBeLessThan(gap("payments"));
    });
  });
});
