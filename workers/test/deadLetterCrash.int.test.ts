import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { createRedis, type Redis } from "@fedplat/runtime";
import { createEvent, DEAD_LETTER_QUEUE, type DeadLetter, queueOf } from "@fedplat/events";
import { Queue } from "bullmq";
import { deadLetterIdOf, eventJobOptions } from "../src";
import { waitFor } from "./helpers";

jest.setTimeout(60_000);

const prefix = `test-${randomUUID()}`;
let redis: Redis;
let events: Queue;
let deadLetters: Queue;
let child: ChildProcess | undefined;

/** fixtures/failingConsumer.ts as a real process; resolves once its consumer runs. */
async function startConsumerProcess(
  dieAfterDeadLetter: boolean,
): Promise<{ child: ChildProcess; exited: Promise<NodeJS.Signals | number | null> }> {
  const process_ = spawn(process.execPath, ["--import", "tsx", join(__dirname, "fixtures", "failingConsumer.ts")], {
    cwd: join(__dirname, ".."),
    env: { ...process.env, BULLMQ_PREFIX: prefix, DIE_AFTER_DEAD_LETTER: dieAfterDeadLetter ? "1" : "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  child = process_;
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    process_.once("exit", (code, signal) => resolve(signal ?? code)),
  );
  await new Promise<void>((resolve, reject) => {
    process_.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
    process_.once("exit", (code, signal) =>
      reject(new Error(`consumer process exited (${signal ?? code}) before it was ready`)),
    );
  });
  return { child: process_, exited };
}

beforeAll(() => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "dead-letter-crash-test");
  events = new Queue(queueOf("notifications"), { connection: redis, prefix });
  deadLetters = new Queue(DEAD_LETTER_QUEUE, { connection: redis, prefix });
});
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await events?.close();
  await deadLetters?.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe("a worker killed with SIGKILL right after it wrote a dead letter, before the job failed", () => {
  it("keeps the dead letter: after a restart the job is failed and its dead letter exists exactly once", async () => {
    const event = createEvent(
      "user.registered",
      { userId: randomUUID(), email: "crash@example.com", name: "Crash" },
      { producer: "accounts" },
    );
    const job = await events.add(
      event.type,
      event,
      eventJobOptions(event.eventId, "notifications", { attempts: 2, backoffMs: 10 }),
    );
    const letterId = deadLetterIdOf({ queueName: events.name, id: job.id });

    const dying = await startConsumerProcess(true);
    expect(await dying.exited).toBe("SIGKILL");
    // The dead letter is written, the job is not failed yet: the crash fell between the two.
    expect(await deadLetters.getJob(letterId)).toBeDefined();
    expect(await events.getJobState(job.id as string)).toBe("active");

    await startConsumerProcess(false);
    await waitFor(
      "the job to fail for good",
      async () => (await events.getJobState(job.id as string)) === "failed",
      30_000,
    );
    expect(await deadLetters.getJobCounts("waiting", "active", "completed", "failed", "delayed")).toEqual({
      waiting: 1,
      active: 0,
      completed: 0,
      failed: 0,
      delayed: 0,
    });
    const letter = (await deadLetters.getJob(letterId))?.data as DeadLetter;
    expect(letter).toMatchObject({
      queue: events.name,
      consumer: "notifications",
      jobId: job.id,
      attempts: 2,
      errors: ["Error: welcome template missing", "Error: welcome template missing"],
    });
    expect((await events.getJob(job.id as string))?.attemptsMade).toBe(2);
  });
});
