import { randomUUID } from "node:crypto";
import { createTestDatabase, TEST_EVENT_KEYS, type TestDatabase } from "@fedplat/devkit";
import {
  createEvent,
  DEAD_LETTER_QUEUE,
  type DeadLetter,
  eventKeyringOf,
  eventPiiCipherOf,
  installEventPiiCipher,
  isSealed,
  queueOf,
  signEvent,
} from "@fedplat/events";
import { writeOutbox } from "@fedplat/event-store";
import { startTestWorkers, type TestWorkers, waitFor } from "./helpers";

jest.setTimeout(60_000);

let database: TestDatabase;
let workers: TestWorkers;

beforeAll(async () => {
  database = await createTestDatabase();
  workers = await startTestWorkers(database);
});
afterAll(async () => {
  await workers?.stop();
  await database?.drop();
});

/** Every value Redis holds under the test's prefix, read raw (jobs, their data and errors, dead letters, streams). */
async function everythingInRedis(): Promise<string> {
  const { redis, prefix } = workers;
  const values: string[] = [];
  for (const key of await redis.keys(`${prefix}:*`)) {
    const type = await redis.type(key);
    if (type === "hash") values.push(...Object.values(await redis.hgetall(key)));
    else if (type === "string") values.push((await redis.get(key)) ?? "");
    else if (type === "list") values.push(...(await redis.lrange(key, 0, -1)));
    else if (type === "zset") values.push(...(await redis.zrange(key, 0, -1)));
    else if (type === "set") values.push(...(await redis.smembers(key)));
    else if (type === "stream") values.push(JSON.stringify(await redis.xrange(key, "-", "+")));
  }
  return values.join("\n");
}

const outboxRow = async (eventId: string) =>
  (
    await workers.clients.accounts.$queryRawUnsafe<Array<{ envelope: string }>>(
      `SELECT envelope::text AS envelope FROM "accounts"."outbox" WHERE id = $1::uuid`,
      eventId,
    )
  )[0]?.envelope;
const welcomeOf = async (userId: string) =>
  (
    await workers.clients.notifications.$queryRawUnsafe<Array<{ payload: Record<string, string> }>>(
      `SELECT payload FROM "notifications"."notifications" WHERE user_id = $1::uuid AND template = 'welcome'`,
      userId,
    )
  )[0]?.payload;

/** user.registered as accounts writes it: created (and sealed) by createEvent, written to accounts' outbox. */
async function register(email: string, name: string) {
  const event = createEvent("user.registered", { userId: randomUUID(), email, name }, { producer: "accounts" });
  await workers.clients.accounts.$transaction((tx) => writeOutbox(tx, [event]));
  return event;
}

describe("personal data in events", () => {
  it("keeps the email out of the outbox row and the Redis job, and notifications still sends the welcome to that address", async () => {
    const email = `ada.${randomUUID()}@example.com`;
    const name = `Ada ${randomUUID()}`;
    const event = await register(email, name);
    const row = await outboxRow(event.eventId);
    expect(row).toContain(event.eventId);
    expect(row).not.toContain(email);
    expect(row).not.toContain(name);

    const welcome = await waitFor("the welcome notification", () => welcomeOf(event.data.userId), 20_000);
    expect(welcome).toEqual({ to: email, name });
    // The job (kept an hour after completion) holds the sealed event, and nothing else in Redis has the plaintext.
    const job = await workers.redis.hget(`${workers.prefix}:${queueOf("notifications")}:${event.eventId}`, "data");
    expect(job).toContain(event.data.email);
    expect(isSealed(JSON.parse(job ?? "{}").data.email)).toBe(true);
    const redis = await everythingInRedis();
    expect(redis).not.toContain(email);
    expect(redis).not.toContain(name);
  });

  it("dead-letters an event its consumer cannot open (a key missing from EVENT_PII_KEYS) with no plaintext in the letter or its errors", async () => {
    const email = `grace.${randomUUID()}@example.com`;
    // A producer on a key the workers do not hold yet: a rotation deployed in the wrong order.
    installEventPiiCipher(
      eventPiiCipherOf({
        EVENT_PII_KEYS: `evp-9:${Buffer.alloc(32, 99).toString("base64")}`,
        EVENT_PII_ACTIVE_KEY_ID: "evp-9",
      }),
    );
    let event: Awaited<ReturnType<typeof register>>;
    try {
      event = await register(email, "Grace Hopper");
    } finally {
      installEventPiiCipher(eventPiiCipherOf(TEST_EVENT_KEYS));
    }
    const letterId = `${queueOf("notifications")}.${event.eventId}`;
    const letter = await waitFor(
      "the dead letter",
      async () => (await workers.redis.hget(`${workers.prefix}:${DEAD_LETTER_QUEUE}:${letterId}`, "data")) ?? undefined,
      20_000,
    );
    const parsed = JSON.parse(letter) as DeadLetter;
    expect(parsed.errors.at(-1)).toMatch(
      /^PersonalDataError: cannot open personal field email of event .*: key evp-9 is not in EVENT_PII_KEYS/,
    );
    expect((parsed.event as typeof event).data.email).toBe(event.data.email);
    expect(await welcomeOf(event.data.userId)).toBeUndefined();
    const redis = await everythingInRedis();
    expect(redis).not.toContain(email);
    expect(redis).not.toContain("Grace Hopper");
  });

  it("still applies an event written before sealing (plain fields): a deploy needs no drain", async () => {
    const email = `old.${randomUUID()}@example.com`;
    const sealed = createEvent(
      "user.registered",
      { userId: randomUUID(), email: "x@example.com", name: "x" },
      { producer: "accounts" },
    );
    const plain = { ...sealed, data: { ...sealed.data, email, name: "Old Timer" }, signature: undefined };
    const legacy = { ...plain, signature: signEvent(plain, eventKeyringOf(TEST_EVENT_KEYS)) };
    await workers.clients.accounts.$transaction((tx) => writeOutbox(tx, [legacy]));
    expect(await waitFor("the welcome notification", () => welcomeOf(legacy.data.userId), 20_000)).toEqual({
      to: email,
      name: "Old Timer",
    });
  });
});
