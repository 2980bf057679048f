import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createLogger, createRedis, type Redis } from "@fedplat/runtime";
import { repoRoot } from "@fedplat/devkit";
import { createEvent, DEAD_LETTER_QUEUE } from "@fedplat/events";
import type { EventHandlers } from "@fedplat/event-store";
import { Queue, type Worker } from "bullmq";
import { createProcessor, deadLetterOps, type DeadLetterOps, redisAuditLog } from "../src";
import { startConsumer } from "../src/consumer";
import { waitFor } from "./helpers";

jest.setTimeout(30_000);

const prefix = `test-${randomUUID()}`;
let redis: Redis;
let queue: Queue;
let deadLetters: Queue;
let worker: Worker;
let ops: DeadLetterOps;
/** The handler fails while this is true: a dependency that is down, then back. */
let failing = true;
const applied: string[] = [];

const handlers: EventHandlers = {
  "user.registered": async (event) => {
    if (failing) throw new Error("mail server down");
    applied.push(event.eventId);
    return "applied";
  },
};

beforeAll(() => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "dlq-test");
  queue = new Queue("events-notifications", { connection: redis, prefix });
  deadLetters = new Queue(DEAD_LETTER_QUEUE, { connection: redis, prefix });
  worker = startConsumer({
    consumer: "notifications",
    queueName: "events-notifications",
    handlers,
    deadLetters,
    logger: createLogger("dlq-test", "silent"),
    worker: { connection: redis, prefix, concurrency: 2 },
  });
  ops = deadLetterOps(deadLetters, (name) => (name === queue.name ? queue : undefined), { attempts: 2, backoffMs: 10 });
});
afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await deadLetters?.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis?.quit();
});

const registered = () =>
  createEvent("user.registered", { userId: randomUUID(), email: "x@example.com", name: "X" }, { producer: "accounts" });

describe("dead letters", () => {
  it("retries with backoff, then keeps the original event, every error and the attempt count", async () => {
    const event = registered();
    await queue.add(event.type, event, {
      jobId: event.eventId,
      attempts: 3,
      backoff: { type: "exponential", delay: 10, jitter: 0.5 },
    });
    const letter = await waitFor("the dead letter", async () => ops.show(`events-notifications.${event.eventId}`));
    // Stored whole (replay sends it); shown with the personal fields redacted.
    expect((await deadLetters.getJob(`events-notifications.${event.eventId}`))?.data).toMatchObject({
      queue: "events-notifications",
      consumer: "notifications",
      jobId: event.eventId,
      attempts: 3,
      event,
    });
    expect(letter).toMatchObject({
      queue: "events-notifications",
      consumer: "notifications",
      jobId: event.eventId,
      attempts: 3,
      event: { ...event, data: { ...event.data, email: "[redacted]", name: "[redacted]" } },
    });
    expect(letter.errors).toEqual(["Error: mail server down", "Error: mail server down", "Error: mail server down"]);
    expect(await ops.count()).toBeGreaterThanOrEqual(1);
  });

  it("sends an event that fails validation to the dead letters at once, with the reason", async () => {
    await queue.add(
      "user.registered",
      { eventId: "not-an-id", type: "user.registered" },
      { jobId: "broken-1", attempts: 5 },
    );
    const letter = await waitFor("the dead letter", async () => ops.show("events-notifications.broken-1"));
    expect(letter.attempts).toBe(1);
    expect(letter.errors.join()).toMatch(/UnrecoverableError: invalid envelope: eventId/);
    await expect(ops.replay("events-notifications.broken-1")).rejects.toThrow(/invalid envelope/);
  });

  it("replays a dead letter once its cause is fixed, in the event's trace, and the event is applied", async () => {
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const event = createEvent(
      "user.registered",
      { userId: randomUUID(), email: "x@example.com", name: "X" },
      { producer: "accounts", traceparent },
    );
    await queue.add(event.type, event, { jobId: event.eventId, attempts: 1 });
    const id = `events-notifications.${event.eventId}`;
    await waitFor("the dead letter", async () => ops.show(id));
    failing = false;
    expect(await ops.replay(id)).toBe(true);
    await waitFor("the replayed event to apply", async () => applied.includes(event.eventId));
    expect(await ops.show(id)).toBeNull();
    const [replayed] = (await queue.getJobs(["completed"])).filter((job) =>
      String(job.id).startsWith(`${event.eventId}.replay.`),
    );
    expect(JSON.parse(replayed?.opts.telemetry?.metadata ?? "{}")).toEqual({ traceparent });
  });

  it("discards a dead letter", async () => {
    failing = true;
    const event = registered();
    await queue.add(event.type, event, { jobId: event.eventId, attempts: 1 });
    const id = `events-notifications.${event.eventId}`;
    await waitFor("the dead letter", async () => ops.show(id));
    expect(await ops.discard(id)).toBe(true);
    expect(await ops.show(id)).toBeNull();
    expect(await ops.discard(id)).toBe(false);
    expect(applied).not.toContain(event.eventId);
  });

  it("replays or discards every dead letter at once, or those of one queue, oldest first", async () => {
    await ops.discardAll(); // what the tests above left
    expect(await ops.count()).toBe(0);
    failing = true;
    const events = [registered(), registered(), registered()];
    for (const event of events) await queue.add(event.type, event, { jobId: event.eventId, attempts: 1 });
    await waitFor("three dead letters", async () => (await ops.count()) === 3);
    // One the relay could not publish (its outbox row is no valid event): not replayable from here.
    await deadLetters.add(
      "dead-letter",
      {
        queue: "outbox",
        consumer: "accounts",
        jobId: "row-1",
        event: { broken: true },
        attempts: 0,
        errors: ["invalid envelope"],
        failedAt: new Date().toISOString(),
      },
      { jobId: "outbox.row-1" },
    );
    expect((await ops.list(10, "outbox")).map((letter) => letter.id)).toEqual(["outbox.row-1"]);
    const listed = (await ops.list(10)).map((letter) => letter.id);
    expect(new Set(listed.slice(0, 3))).toEqual(
      new Set(events.map((event) => `events-notifications.${event.eventId}`)),
    );
    expect(listed[3]).toBe("outbox.row-1"); // the newest comes last
    expect(await ops.list(2)).toHaveLength(2);

    failing = false;
    expect(await ops.replayAll("events-notifications")).toEqual({ replayed: 3, refused: 0 });
    await waitFor("the replayed events to apply", async () => events.every((event) => applied.includes(event.eventId)));
    expect(await ops.replayAll()).toEqual({ replayed: 0, refused: 1 }); // the outbox letter stays, with its errors
    expect(await ops.show("outbox.row-1")).toMatchObject({ errors: ["invalid envelope"] });
    expect(await ops.discardAll("events-notifications")).toBe(0);
    expect(await ops.discardAll()).toBe(1);
    expect(await ops.count()).toBe(0);
  });
});

describe("the processor (no Redis)", () => {
  it("refuses an event type the consumer has no handler for, as unrecoverable", async () => {
    const processor = createProcessor("notifications", {});
    const event = registered();
    await expect(
      processor({ data: event, attemptsMade: 0, opts: { attempts: 3 } } as never, undefined),
    ).rejects.toMatchObject({
      name: "UnrecoverableError",
      message: "notifications has no handler for user.registered",
    });
  });

  it("tells the handler which attempt it is and whether it is the last", async () => {
    const seen: unknown[] = [];
    const processor = createProcessor("notifications", {
      "user.registered": async (_event, context) => {
        seen.push(context);
        return "applied";
      },
    });
    await processor({ data: registered(), attemptsMade: 2, opts: { attempts: 3 } } as never, undefined);
    expect(seen).toEqual([{ attempt: 3, isLastAttempt: true }]);
  });
});

describe("npm run dlq", () => {
  const cli = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "workers/src/cli/dlq.ts", ...args],
        { cwd: repoRoot, env: { ...process.env, BULLMQ_PREFIX: prefix } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it("lists, shows, discards and replays dead letters from a terminal", async () => {
    failing = true;
    const event = registered();
    await queue.add(event.type, event, { jobId: event.eventId, attempts: 1 });
    const id = `events-notifications.${event.eventId}`;
    await waitFor("the dead letter", async () => ops.show(id));
    const list = await cli("list");
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${id}  user.registered  notifications  attempts=1`);
    const show = await cli("show", id);
    expect(JSON.parse(show.stdout)).toMatchObject({ id, event: { eventId: event.eventId } });
    expect(await cli("discard", id)).toMatchObject({ code: 0, stdout: `discarded ${id}\n` });
    // recorded in the operations audit log, as an operator at a terminal
    const [discarded] = (await redisAuditLog(redis, prefix, 1_000).list(1)).events;
    expect(discarded).toMatchObject({
      actorKind: "cli",
      actorRole: "OPERATOR",
      actorId: expect.stringMatching(/.@./),
      action: "discardDeadLetter",
      target: id,
      outcome: "SUCCESS",
    });
    expect(await cli("show", id)).toMatchObject({ code: 1, stderr: `no dead letter ${id}\n` });
    expect((await cli("explode")).code).toBe(2);
    expect((await cli("discard", "--all", "nowhere")).code).toBe(2);

    const failed = registered();
    await queue.add(failed.type, failed, { jobId: failed.eventId, attempts: 1 });
    await waitFor("the dead letter", async () => ops.show(`events-notifications.${failed.eventId}`));
    failing = false;
    expect(await cli("replay", "--all", "events-notifications")).toMatchObject({
      code: 0,
      stdout: "replayed 1 dead letter(s)\n",
    });
    await waitFor("the replayed event to apply", async () => applied.includes(failed.eventId));
    // Seven cold starts of the CLI (tsx compiles it each time): next to the rest of the suite on two cores, more than jest's default 30 s.
  }, 120_000);
});
