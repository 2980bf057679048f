import { randomUUID } from "node:crypto";
import { createAccountsPrisma, type AccountsPrisma } from "@fedplat/accounts";
import {
  createTestDatabase,
  freePort,
  type RunningService,
  spawnService,
  stopService,
  TEST_IDENTITY_ENV,
  type TestDatabase,
  waitUntilReady,
  WORKERS,
} from "@fedplat/devkit";
import { createEvent } from "@fedplat/events";
import { writeOutbox } from "@fedplat/event-store";
import { createNotificationsPrisma, type NotificationsPrisma } from "@fedplat/notifications";
import { waitFor } from "./helpers";

jest.setTimeout(180_000);

const EVENTS = 600;
let database: TestDatabase;
let accounts: AccountsPrisma;
let notifications: NotificationsPrisma;
let env: NodeJS.ProcessEnv;
let worker: RunningService | undefined;

async function startWorkerProcess(): Promise<RunningService> {
  const service = spawnService(WORKERS, { port: await freePort(), env });
  await waitUntilReady(service, 60_000);
  return service;
}

beforeAll(async () => {
  database = await createTestDatabase();
  accounts = createAccountsPrisma(database.url);
  notifications = createNotificationsPrisma(database.url);
  env = {
    ...process.env,
    DATABASE_URL: database.url,
    BULLMQ_PREFIX: `test-${randomUUID()}`,
    ...TEST_IDENTITY_ENV,
    JOB_LOCK_MS: "2000", // a crashed worker's jobs are taken over after 2 s
    WORKER_CONCURRENCY: "4",
    LOG_LEVEL: "warn",
  };
});
afterAll(async () => {
  if (worker) await stopService(worker);
  await accounts?.$disconnect();
  await notifications?.$disconnect();
  await database?.drop();
});

describe("a worker killed with SIGKILL while it processes jobs", () => {
  it("after a restart every job completes and none is applied twice", async () => {
    worker = await startWorkerProcess();
    const userIds = Array.from({ length: EVENTS }, () => randomUUID());
    // What register does, minus the password hashing: the event committed to the outbox.
    for (let i = 0; i < userIds.length; i += 100) {
      const events = userIds
        .slice(i, i + 100)
        .map((userId) =>
          createEvent(
            "user.registered",
            { userId, email: `${userId}@example.com`, name: "Crash" },
            { producer: "accounts" },
          ),
        );
      await accounts.$transaction((tx) => writeOutbox(tx, events));
    }
    const welcomed = () =>
      notifications.notification.count({ where: { template: "welcome", userId: { in: userIds } } });
    await waitFor("the worker to be busy", async () => (await welcomed()) >= 30);
    worker.child.kill("SIGKILL");
    await worker.exited;
    const atCrash = await welcomed();
    expect(atCrash).toBeLessThan(EVENTS); // it really died mid-way

    worker = await startWorkerProcess();
    await waitFor("every event to be applied", async () => (await welcomed()) >= EVENTS, 120_000);
    const twice = await notifications.$queryRaw<
      Array<{ user_id: string }>
    >`SELECT user_id::text FROM "notifications"."notifications" WHERE template = 'welcome' AND user_id = ANY(${userIds}::uuid[]) GROUP BY user_id HAVING count(*) > 1`;
    expect(twice).toEqual([]);
    expect(await welcomed()).toBe(EVENTS);
    expect(await accounts.outboxEvent.count({ where: { publishedAt: null } })).toBe(0);
  });
});
