import { randomUUID } from "node:crypto";
import { createLogger, createMetrics, createRedis, createTokenVerifier, type Redis, signAccessToken, type SubgraphServer } from "@fedplat/common";
import { gatewayHeaders, graphqlRequest, TEST_GATEWAY_SECRET, TEST_JWT_SECRET } from "@fedplat/devkit";
import { createEvent, DEAD_LETTER_QUEUE } from "@fedplat/events";
import { Queue } from "bullmq";
import { Redis as IORedis } from "ioredis";
import { buildWorkersAdmin, deadLetterOps } from "../src";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const admin = { id: randomUUID(), role: "ADMIN" as const };
const staff = { id: randomUUID(), role: "STAFF" as const };

const cancelled = () => createEvent("order.cancelled", { orderId: randomUUID(), customerId: randomUUID(), reason: "test" }, { producer: "orders" });

describe("workers admin port (the operations subgraph)", () => {
  const prefix = `test-${randomUUID()}`; // a fresh key prefix: nothing shared with other runs
  let redis: Redis;
  let server: SubgraphServer;
  let base: string;
  let queue: Queue;
  let deadLetters: Queue;

  beforeAll(async () => {
    redis = createRedis(REDIS_URL, "workers-admin-test");
    queue = new Queue("events-orders", { connection: redis, prefix });
    deadLetters = new Queue(DEAD_LETTER_QUEUE, { connection: redis, prefix });
    server = await buildWorkersAdmin({
      redis,
      queues: [queue, deadLetters],
      deadLetters: deadLetterOps(deadLetters, (name) => (name === queue.name ? queue : undefined), { attempts: 3, backoffMs: 10 }),
      metrics: createMetrics("workers"),
      logger: createLogger("admin-test", "silent"),
      gatewaySecret: TEST_GATEWAY_SECRET,
      verifyToken: createTokenVerifier({ kind: "hs256", secret: TEST_JWT_SECRET }),
    });
    base = `http://127.0.0.1:${await server.listen(0, "127.0.0.1")}`;
  });
  afterAll(async () => {
    await server?.close();
    await queue?.close();
    await deadLetters?.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis?.quit();
  });

  it("is ready when Redis answers", async () => {
    const response = await fetch(`${base}/health/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ready", checks: { redis: "ok" } });
  });

  it("exports the depth of each queue as a Prometheus gauge", async () => {
    await queue.add("order.placed", { n: 1 });
    await queue.add("order.placed", { n: 2 });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/bullmq_queue_jobs\{queue="events-orders",state="waiting",service="workers"\} 2/);
  });

  it("lets admins list, inspect, replay and discard dead letters over GraphQL, and nobody else", async () => {
    const event = createEvent("order.cancelled", { orderId: randomUUID(), customerId: randomUUID(), reason: "test" }, { producer: "orders" });
    const letter = { queue: "events-orders", consumer: "orders", jobId: event.eventId, event, attempts: 5, errors: ["Error: boom"], failedAt: new Date().toISOString() };
    await deadLetters.add("dead-letter", letter, { jobId: `events-orders.${event.eventId}` });
    await deadLetters.add("dead-letter", { ...letter, jobId: "x" }, { jobId: "events-orders.x" });
    const url = `${base}/graphql`;
    const LIST = "{ deadLetterCount deadLetters { id queue consumer eventType eventId attempts errors event } }";

    const denied = await graphqlRequest(url, LIST, {}, await gatewayHeaders(staff));
    expect(denied.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const anonymous = await graphqlRequest(url, LIST, {}, await gatewayHeaders(null));
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await graphqlRequest(url, LIST)).status).toBe(401); // not from the gateway at all

    const headers = await gatewayHeaders(admin);
    const list = await graphqlRequest<{ deadLetterCount: number; deadLetters: Array<{ id: string; eventType: string; event: string; errors: string[] }> }>(url, LIST, {}, headers);
    expect(list.data?.deadLetterCount).toBe(2);
    const entry = list.data?.deadLetters.find((l) => l.id === `events-orders.${event.eventId}`);
    expect(entry).toMatchObject({ eventType: "order.cancelled", errors: ["Error: boom"] });
    expect(JSON.parse(entry?.event ?? "{}")).toEqual(event);

    const replay = await graphqlRequest<{ replayDeadLetter: boolean }>(url, "mutation($id: ID!) { replayDeadLetter(id: $id) }", { id: `events-orders.${event.eventId}` }, headers);
    expect(replay.data?.replayDeadLetter).toBe(true);
    const requeued = await queue.getJobs(["waiting"]);
    expect(requeued.some((job) => (job.data as { eventId?: string }).eventId === event.eventId)).toBe(true);

    const discard = await graphqlRequest<{ discardDeadLetter: boolean }>(url, 'mutation { discardDeadLetter(id: "events-orders.x") }', {}, headers);
    expect(discard.data?.discardDeadLetter).toBe(true);
    const after = await graphqlRequest<{ deadLetterCount: number }>(url, "{ deadLetterCount }", {}, headers);
    expect(after.data?.deadLetterCount).toBe(0);
  });

  it("lets admins replay or discard every dead letter of a queue at once over GraphQL, and names a queue that does not exist", async () => {
    const url = `${base}/graphql`;
    const headers = await gatewayHeaders(admin);
    const letterOf = (event: ReturnType<typeof cancelled>) => ({ queue: "events-orders", consumer: "orders", jobId: event.eventId, event, attempts: 5, errors: ["Error: boom"], failedAt: new Date().toISOString() });
    const events = [cancelled(), cancelled()];
    for (const event of events) await deadLetters.add("dead-letter", letterOf(event), { jobId: `events-orders.${event.eventId}` });
    await deadLetters.add("dead-letter", { ...letterOf(cancelled()), queue: "outbox", event: { broken: true } }, { jobId: "outbox.row-9" });
    const REPLAY = "mutation($queue: String) { replayDeadLetters(queue: $queue) { replayed refused } }";

    expect((await graphqlRequest(url, REPLAY, { queue: "events-orders" }, await gatewayHeaders(staff))).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const misspelt = await graphqlRequest(url, REPLAY, { queue: "events-order" }, headers);
    expect(misspelt.errors?.[0]).toMatchObject({ message: expect.stringContaining('unknown queue "events-order"'), extensions: { code: "BAD_USER_INPUT" } });
    const listed = await graphqlRequest<{ deadLetters: Array<{ id: string }> }>(url, "{ deadLetters(queue: \"outbox\") { id } }", {}, headers);
    expect(listed.data?.deadLetters.map((letter) => letter.id)).toEqual(["outbox.row-9"]);

    const replay = await graphqlRequest<{ replayDeadLetters: { replayed: number; refused: number } }>(url, REPLAY, { queue: "events-orders" }, headers);
    expect(replay.data?.replayDeadLetters).toEqual({ replayed: 2, refused: 0 });
    const requeued = (await queue.getJobs(["waiting"])).map((job) => (job.data as { eventId?: string }).eventId);
    expect(requeued).toEqual(expect.arrayContaining(events.map((event) => event.eventId)));

    const discard = await graphqlRequest<{ discardDeadLetters: number }>(url, "mutation { discardDeadLetters }", {}, headers);
    expect(discard.data?.discardDeadLetters).toBe(1);
    expect((await graphqlRequest<{ deadLetterCount: number }>(url, "{ deadLetterCount }", {}, headers)).data?.deadLetterCount).toBe(0);
  });

  it("serves Bull Board to admins only: bearer token, or a browser session cookie after /admin/login", async () => {
    const adminToken = await signAccessToken(admin, TEST_JWT_SECRET);
    const staffToken = await signAccessToken(staff, TEST_JWT_SECRET);
    const json = { accept: "application/json" };
    expect((await fetch(`${base}/admin/queues/api/queues`, { headers: json })).status).toBe(401);
    expect((await fetch(`${base}/admin/queues/api/queues`, { headers: { ...json, authorization: `Bearer ${staffToken}` } })).status).toBe(403);
    const api = await fetch(`${base}/admin/queues/api/queues`, { headers: { ...json, authorization: `Bearer ${adminToken}` } });
    expect(api.status).toBe(200);
    expect(((await api.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name).sort()).toEqual(["dead-letters", "events-orders"]);

    const browser = await fetch(`${base}/admin/queues`, { headers: { accept: "text/html" }, redirect: "manual" });
    expect(browser.status).toBe(303);
    expect(browser.headers.get("location")).toBe("/admin/login");
    const rejected = await fetch(`${base}/admin/session`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `token=${staffToken}`, redirect: "manual" });
    expect(rejected.status).toBe(403);
    const session = await fetch(`${base}/admin/session`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `token=${adminToken}`, redirect: "manual" });
    expect(session.status).toBe(303);
    const cookie = session.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/fedplat_admin=.*HttpOnly.*SameSite=Strict/i);
    const page = await fetch(`${base}/admin/queues`, { headers: { accept: "text/html", cookie: cookie.split(";")[0] ?? "" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<div id="root">/);
  });

  it("is not ready (503) when Redis does not answer", async () => {
    // Nothing listens on port 9; no retries, so no reconnect timers outlive the test.
    const unreachable = new IORedis("redis://127.0.0.1:9", { maxRetriesPerRequest: null, retryStrategy: () => null });
    unreachable.on("error", () => undefined);
    const isolated = await buildWorkersAdmin({
      redis: unreachable,
      queues: [],
      deadLetters: deadLetterOps(deadLetters, () => undefined, { attempts: 1, backoffMs: 1 }),
      metrics: createMetrics("workers"),
      logger: createLogger("admin-test", "silent"),
      gatewaySecret: TEST_GATEWAY_SECRET,
    });
    const port = await isolated.listen(0, "127.0.0.1");
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(response.status).toBe(503);
      expect(((await response.json()) as { checks: { redis: string } }).checks.redis).toMatch(/^failing: /);
      expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
    } finally {
      unreachable.disconnect();
      await isolated.close();
    }
  });
});
