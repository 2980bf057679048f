import { randomUUID } from "node:crypto";
import { createLogger, createMetrics, createRedis, type Redis } from "@fedplat/runtime";
import { type AccessTokenSubject, createTokenVerifier, signAccessToken, type Viewer } from "@fedplat/auth";
import type { SubgraphServer } from "@fedplat/subgraph";
import { type AccountsPrisma, createAccountsPrisma } from "@fedplat/accounts";
import {
  createTestDatabase,
  freePort,
  gatewayHeaders,
  graphqlRequest,
  TEST_IDENTITY_TRUST,
  TEST_JWT_SECRET,
  type TestDatabase,
} from "@fedplat/devkit";
import { createEvent, DEAD_LETTER_QUEUE } from "@fedplat/events";
import { Queue } from "bullmq";
import { Redis as IORedis } from "ioredis";
import {
  accountsSessionState,
  type AdminLogin,
  AdminLoginRefused,
  type AdminSessionCheck,
  type AuditEvent,
  buildWorkersAdmin,
  createAdminSessionCheck,
  deadLetterOps,
  redisAuditLog,
} from "../src";
import { waitFor } from "./helpers";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const admin = { id: randomUUID(), role: "ADMIN" as const };
const staff = { id: randomUUID(), role: "STAFF" as const };
/** An admin acting through an API key (the gateway signs kind "apiKey" into the identity). */
const adminKey: Viewer = { id: randomUUID(), roles: ["ADMIN"], scopes: [], kind: "apiKey" };

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const JSON_ACCEPT = { accept: "application/json" };

/**
 * The board's email-and-password sign-in in these tests: signIn() registers each token under an
 * email of its own. The real one (createGatewayAdminLogin, the login mutation through a gateway)
 * signs in the seeded admin in tests/e2e/explorer.e2e.test.ts.
 */
const PASSWORD = "Passw0rd!";
const tokensByEmail = new Map<string, string>();
const login: AdminLogin = async (email, password) => {
  const token = tokensByEmail.get(email);
  if (!token || password !== PASSWORD) throw new AdminLoginRefused(401, "Wrong email or password.");
  return token;
};

/** Signs in to Bull Board as the holder of `token`; the Set-Cookie header and the cookie to send back. */
async function signIn(
  base: string,
  token: string,
  password = PASSWORD,
): Promise<{ status: number; setCookie: string; cookie: string; page: string }> {
  const email = `user${tokensByEmail.size}@example.com`;
  tokensByEmail.set(email, token);
  const response = await fetch(`${base}/admin/session`, {
    method: "POST",
    headers: FORM,
    body: new URLSearchParams({ email, password }).toString(),
    redirect: "manual",
  });
  const setCookie = response.headers.get("set-cookie") ?? "";
  return { status: response.status, setCookie, cookie: setCookie.split(";")[0] ?? "", page: await response.text() };
}

/** A dead letter as a consumer writes it: `event` failed 5 times in orders' queue. */
const letterOf = (event: { eventId: string }) => ({
  queue: "events-orders",
  consumer: "orders",
  jobId: event.eventId,
  event,
  attempts: 5,
  errors: ["Error: boom"],
  failedAt: new Date().toISOString(),
});
const cancelled = () =>
  createEvent(
    "order.cancelled",
    { orderId: randomUUID(), customerId: randomUUID(), reason: "test" },
    { producer: "orders" },
  );

describe("workers admin port (the operations subgraph)", () => {
  const prefix = `test-${randomUUID()}`; // a fresh key prefix: nothing shared with other runs
  let redis: Redis;
  let server: SubgraphServer;
  let base: string;
  let queue: Queue;
  let deadLetters: Queue;
  /** The Bull Board sessions' clock: tests move it past a session's expiry. */
  let clockMs = Date.now();
  /** accounts' tables, which Bull Board checks each token's session against (the test's admins and staff are users there). */
  let database: TestDatabase;
  let accounts: AccountsPrisma;
  let checkSession: AdminSessionCheck;
  /** A user in accounts' table, as a viewer its tokens are signed for. */
  const addUser = async (
    role: "CUSTOMER" | "STAFF" | "ADMIN",
    id: string = randomUUID(),
  ): Promise<AccessTokenSubject> => {
    await accounts.user.create({
      data: { id, role, email: `${id}@example.com`, name: "Bull Board test", passwordHash: "not-a-hash" },
    });
    return { id, role, tokenVersion: 0 };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    accounts = createAccountsPrisma(database.url);
    checkSession = createAdminSessionCheck(accountsSessionState(accounts)); // SESSION_CHECK_MS's default, 3 s
    await addUser("ADMIN", admin.id);
    await addUser("STAFF", staff.id);
    redis = createRedis(REDIS_URL, "workers-admin-test");
    queue = new Queue("events-orders", { connection: redis, prefix });
    deadLetters = new Queue(DEAD_LETTER_QUEUE, { connection: redis, prefix });
    server = await buildWorkersAdmin({
      redis,
      queues: [queue, deadLetters],
      deadLetters: deadLetterOps(deadLetters, (name) => (name === queue.name ? queue : undefined), {
        attempts: 3,
        backoffMs: 10,
      }),
      audit: redisAuditLog(redis, prefix, 1_000),
      metrics: createMetrics("workers"),
      logger: createLogger("admin-test", "silent"),
      identityTrust: TEST_IDENTITY_TRUST,
      verifyToken: createTokenVerifier({ kind: "hs256", secret: TEST_JWT_SECRET }),
      bullBoard: { checkSession, login, keyPrefix: prefix, now: () => clockMs },
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
    await accounts?.$disconnect();
    await database?.drop();
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
    const event = createEvent(
      "order.cancelled",
      { orderId: randomUUID(), customerId: randomUUID(), reason: "test" },
      { producer: "orders" },
    );
    const letter = letterOf(event);
    await deadLetters.add("dead-letter", letter, { jobId: `events-orders.${event.eventId}` });
    await deadLetters.add("dead-letter", { ...letter, jobId: "x" }, { jobId: "events-orders.x" });
    const url = `${base}/graphql`;
    const LIST =
      /* GraphQL */ "{ deadLetterCount deadLetters { id queue consumer eventType eventId attempts errors event } }";

    const denied = await graphqlRequest(url, LIST, {}, await gatewayHeaders(staff, "operations"));
    expect(denied.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const anonymous = await graphqlRequest(url, LIST, {}, await gatewayHeaders(null, "operations"));
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await graphqlRequest(url, LIST)).status).toBe(401); // not from the gateway at all

    const headers = await gatewayHeaders(admin, "operations");
    const list = await graphqlRequest<{
      deadLetterCount: number;
      deadLetters: Array<{ id: string; eventType: string; event: string; errors: string[] }>;
    }>(url, LIST, {}, headers);
    expect(list.data?.deadLetterCount).toBe(2);
    const entry = list.data?.deadLetters.find((l) => l.id === `events-orders.${event.eventId}`);
    expect(entry).toMatchObject({ eventType: "order.cancelled", errors: ["Error: boom"] });
    expect(JSON.parse(entry?.event ?? "{}")).toEqual(event);

    const replay = await graphqlRequest<{ replayDeadLetter: boolean }>(
      url,
      /* GraphQL */ "mutation($id: ID!) { replayDeadLetter(id: $id) }",
      { id: `events-orders.${event.eventId}` },
      headers,
    );
    expect(replay.data?.replayDeadLetter).toBe(true);
    const requeued = await queue.getJobs(["waiting"]);
    expect(requeued.some((job) => (job.data as { eventId?: string }).eventId === event.eventId)).toBe(true);

    const discard = await graphqlRequest<{ discardDeadLetter: boolean }>(
      url,
      'mutation { discardDeadLetter(id: "events-orders.x") }',
      {},
      headers,
    );
    expect(discard.data?.discardDeadLetter).toBe(true);
    const after = await graphqlRequest<{ deadLetterCount: number }>(
      url,
      /* GraphQL */ "{ deadLetterCount }",
      {},
      headers,
    );
    expect(after.data?.deadLetterCount).toBe(0);
  });

  it("lets admins replay or discard every dead letter of a queue at once over GraphQL, and names a queue that does not exist", async () => {
    const url = `${base}/graphql`;
    const headers = await gatewayHeaders(admin, "operations");
    const events = [cancelled(), cancelled()];
    for (const event of events)
      await deadLetters.add("dead-letter", letterOf(event), { jobId: `events-orders.${event.eventId}` });
    await deadLetters.add(
      "dead-letter",
      { ...letterOf(cancelled()), queue: "outbox", event: { broken: true } },
      { jobId: "outbox.row-9" },
    );
    const REPLAY = /* GraphQL */ "mutation($queue: String) { replayDeadLetters(queue: $queue) { replayed refused } }";

    expect(
      (await graphqlRequest(url, REPLAY, { queue: "events-orders" }, await gatewayHeaders(staff, "operations")))
        .errors?.[0]?.extensions?.code,
    ).toBe("FORBIDDEN");
    const misspelt = await graphqlRequest(url, REPLAY, { queue: "events-order" }, headers);
    expect(misspelt.errors?.[0]).toMatchObject({
      message: expect.stringContaining('unknown queue "events-order"'),
      extensions: { code: "BAD_USER_INPUT" },
    });
    const listed = await graphqlRequest<{ deadLetters: Array<{ id: string }> }>(
      url,
      '{ deadLetters(queue: "outbox") { id } }',
      {},
      headers,
    );
    expect(listed.data?.deadLetters.map((letter) => letter.id)).toEqual(["outbox.row-9"]);

    const replay = await graphqlRequest<{ replayDeadLetters: { replayed: number; refused: number } }>(
      url,
      REPLAY,
      { queue: "events-orders" },
      headers,
    );
    expect(replay.data?.replayDeadLetters).toEqual({ replayed: 2, refused: 0 });
    const requeued = (await queue.getJobs(["waiting"])).map((job) => (job.data as { eventId?: string }).eventId);
    expect(requeued).toEqual(expect.arrayContaining(events.map((event) => event.eventId)));

    const discard = await graphqlRequest<{ discardDeadLetters: number }>(
      url,
      /* GraphQL */ "mutation { discardDeadLetters }",
      {},
      headers,
    );
    expect(discard.data?.discardDeadLetters).toBe(1);
    expect(
      (await graphqlRequest<{ deadLetterCount: number }>(url, /* GraphQL */ "{ deadLetterCount }", {}, headers)).data
        ?.deadLetterCount,
    ).toBe(0);
  });

  it("shows a dead letter's event with its personal fields redacted, and still replays the original", async () => {
    const url = `${base}/graphql`;
    const headers = await gatewayHeaders(admin, "operations");
    const event = createEvent(
      "user.registered",
      { userId: randomUUID(), email: "jane.doe@example.com", name: "Jane Doe" },
      { producer: "accounts" },
    );
    const id = `events-orders.${event.eventId}`;
    await deadLetters.add("dead-letter", letterOf(event), { jobId: id });

    const shown = await graphqlRequest<{ deadLetter: { event: string } }>(
      url,
      /* GraphQL */ "query($id: ID!) { deadLetter(id: $id) { event } }",
      { id },
      headers,
    );
    expect(JSON.parse(shown.data?.deadLetter.event ?? "{}")).toEqual({
      ...event,
      data: { userId: event.data.userId, email: "[redacted]", name: "[redacted]" },
    });
    const listed = await graphqlRequest<{ deadLetters: Array<{ id: string; event: string }> }>(
      url,
      /* GraphQL */ "{ deadLetters(first: 100) { id event } }",
      {},
      headers,
    );
    const inList = listed.data?.deadLetters.find((letter) => letter.id === id)?.event ?? "";
    expect(inList).not.toContain("jane.doe@example.com");
    expect(inList).not.toContain("Jane Doe");

    expect(
      (
        await graphqlRequest<{ replayDeadLetter: boolean }>(
          url,
          /* GraphQL */ "mutation($id: ID!) { replayDeadLetter(id: $id) }",
          { id },
          headers,
        )
      ).data?.replayDeadLetter,
    ).toBe(true);
    const requeued = (await queue.getJobs(["waiting"])).find(
      (job) => (job.data as { eventId?: string }).eventId === event.eventId,
    );
    expect(requeued?.data).toEqual(event); // the consumer gets the whole event back
  });

  it("serves Bull Board to admins only: bearer token, or a browser session cookie after signing in with email and password at /admin/login", async () => {
    const adminToken = await signAccessToken(admin, TEST_JWT_SECRET);
    const staffToken = await signAccessToken(staff, TEST_JWT_SECRET);
    expect((await fetch(`${base}/admin/queues/api/queues`, { headers: JSON_ACCEPT })).status).toBe(401);
    expect(
      (
        await fetch(`${base}/admin/queues/api/queues`, {
          headers: { ...JSON_ACCEPT, authorization: `Bearer ${staffToken}` },
        })
      ).status,
    ).toBe(403);
    const api = await fetch(`${base}/admin/queues/api/queues`, {
      headers: { ...JSON_ACCEPT, authorization: `Bearer ${adminToken}` },
    });
    expect(api.status).toBe(200);
    expect(((await api.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name).sort()).toEqual([
      "dead-letters",
      "events-orders",
    ]);

    const browser = await fetch(`${base}/admin/queues`, { headers: { accept: "text/html" }, redirect: "manual" });
    expect(browser.status).toBe(303);
    expect(browser.headers.get("location")).toBe("/admin/login");
    const signInPage = await (await fetch(`${base}/admin/login`)).text();
    expect(signInPage).toContain('<input type="email" name="email"');
    expect(signInPage).toContain('<input type="password" name="password"');
    const staffSignIn = await signIn(base, staffToken);
    expect(staffSignIn.status).toBe(403);
    expect(staffSignIn.page).toContain("This account is not an ADMIN.");
    const wrongPassword = await signIn(base, adminToken, "not-the-password");
    expect([wrongPassword.status, wrongPassword.setCookie]).toEqual([401, ""]);
    expect(wrongPassword.page).toContain("Wrong email or password.");
    const noPassword = await fetch(`${base}/admin/session`, {
      method: "POST",
      headers: FORM,
      body: "email=admin%40example.com",
    });
    expect(noPassword.status).toBe(400);
    const session = await signIn(base, adminToken);
    expect(session.status).toBe(303);
    const page = await fetch(`${base}/admin/queues`, { headers: { accept: "text/html", cookie: session.cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<div id="root">/);
  });

  it("keeps the browser session in its own short-lived cookie: HttpOnly, SameSite=Strict, Path=/admin, 15 minutes, never the access token", async () => {
    const adminToken = await signAccessToken(admin, TEST_JWT_SECRET);
    const { setCookie, cookie } = await signIn(base, adminToken);
    const attributes = setCookie
      .split(/;\s*/)
      .slice(1)
      .map((a) => a.toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(["httponly", "samesite=strict", "path=/admin", "max-age=900"]));
    expect(attributes).not.toContain("secure"); // plain HTTP in development; see the production test
    const value = cookie.split("=")[1] ?? "";
    expect(value).toMatch(/^[\w-]{43}$/); // 32 random bytes, base64url
    expect(setCookie).not.toContain(adminToken);
    for (const part of adminToken.split(".")) expect(setCookie).not.toContain(part);
    // The session, not a token, is what lets the browser in.
    expect((await fetch(`${base}/admin/queues/api/queues`, { headers: { ...JSON_ACCEPT, cookie } })).status).toBe(200);
    expect(
      (
        await fetch(`${base}/admin/queues/api/queues`, {
          headers: { ...JSON_ACCEPT, cookie: `fedplat_admin_session=${adminToken}` },
        })
      ).status,
    ).toBe(401);
  });

  it("ends the session at POST /admin/logout: the cookie is cleared and the old one is refused", async () => {
    const { cookie } = await signIn(base, await signAccessToken(admin, TEST_JWT_SECRET));
    expect((await fetch(`${base}/admin/queues/api/queues`, { headers: { ...JSON_ACCEPT, cookie } })).status).toBe(200);
    const logout = await fetch(`${base}/admin/logout`, { method: "POST", headers: { cookie }, redirect: "manual" });
    expect(logout.status).toBe(303);
    expect(logout.headers.get("location")).toBe("/admin/login");
    expect(logout.headers.get("set-cookie")).toMatch(
      /^fedplat_admin_session=;.*Path=\/admin;.*Expires=Thu, 01 Jan 1970/,
    );
    // Replaying the cookie after logout does not work: the session is gone server-side.
    const replayed = await fetch(`${base}/admin/queues/api/queues`, { headers: { ...JSON_ACCEPT, cookie } });
    expect(replayed.status).toBe(401);
    expect(
      ((await replayed.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code,
    ).toBe("UNAUTHENTICATED");
  });

  it("refuses a session past its 15 minutes", async () => {
    const { cookie } = await signIn(base, await signAccessToken(admin, TEST_JWT_SECRET));
    clockMs += 14 * 60_000;
    expect((await fetch(`${base}/admin/queues/api/queues`, { headers: { ...JSON_ACCEPT, cookie } })).status).toBe(200);
    clockMs += 60_000 + 1;
    expect((await fetch(`${base}/admin/queues/api/queues`, { headers: { ...JSON_ACCEPT, cookie } })).status).toBe(401);
    expect(
      (
        await fetch(`${base}/admin/queues`, { headers: { accept: "text/html", cookie }, redirect: "manual" })
      ).headers.get("location"),
    ).toBe("/admin/login");
  });

  it("checks the token's session against accounts at sign-in and for bearer tokens: logged out, demoted, disabled or unknown is refused", async () => {
    const loggedOut = await addUser("ADMIN");
    await accounts.user.update({ where: { id: loggedOut.id }, data: { tokenVersion: 1 } }); // logout bumps the version; the token has 0
    const demoted = await addUser("STAFF"); // the token still says ADMIN
    const disabled = await addUser("ADMIN");
    await accounts.user.update({ where: { id: disabled.id }, data: { disabledAt: new Date() } });
    const unknown: AccessTokenSubject = { id: randomUUID(), role: "ADMIN", tokenVersion: 0 };
    const cases = [
      [loggedOut, 401],
      [{ ...demoted, role: "ADMIN" as const }, 403],
      [disabled, 401],
      [unknown, 401],
    ] as const;
    for (const [viewer, status] of cases) {
      const token = await signAccessToken(viewer, TEST_JWT_SECRET);
      const signedIn = await signIn(base, token);
      expect(`${viewer.id} sign-in: ${signedIn.status}`).toBe(`${viewer.id} sign-in: ${status}`);
      expect(signedIn.setCookie).toBe("");
      const bearer = await fetch(`${base}/admin/queues/api/queues`, {
        headers: { ...JSON_ACCEPT, authorization: `Bearer ${token}` },
      });
      expect(`${viewer.id} bearer: ${bearer.status}`).toBe(`${viewer.id} bearer: ${status}`);
      expect(
        ((await bearer.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code,
      ).toBe(status === 401 ? "UNAUTHENTICATED" : "FORBIDDEN");
    }
    // A user promoted since their token was issued acts with the current role, as at the gateway.
    const promoted = await addUser("ADMIN");
    expect((await signIn(base, await signAccessToken({ ...promoted, role: "STAFF" }, TEST_JWT_SECRET))).status).toBe(
      303,
    );
  });

  it("ends an open Bull Board session within 5 s of logout, demotion or disabling, and clears its cookie", async () => {
    const [loggingOut, demoted, disabled] = [await addUser("ADMIN"), await addUser("ADMIN"), await addUser("ADMIN")];
    const sessions = await Promise.all(
      [loggingOut, demoted, disabled].map(
        async (viewer) => (await signIn(base, await signAccessToken(viewer, TEST_JWT_SECRET))).cookie,
      ),
    );
    const queuesWith = (cookie: string) =>
      fetch(`${base}/admin/queues/api/queues`, { headers: { ...JSON_ACCEPT, cookie } });
    for (const cookie of sessions) expect((await queuesWith(cookie)).status).toBe(200);

    // What accounts' logout, setUserRole and setUserDisabled write.
    const changedAt = Date.now();
    await accounts.user.update({ where: { id: loggingOut.id }, data: { tokenVersion: { increment: 1 } } });
    await accounts.user.update({ where: { id: demoted.id }, data: { role: "STAFF" } });
    await accounts.user.update({ where: { id: disabled.id }, data: { disabledAt: new Date() } });

    const expected = [401, 403, 401];
    const ended = await Promise.all(
      sessions.map((cookie, i) =>
        waitFor(
          `session ${i} to end`,
          async () => {
            const response = await queuesWith(cookie);
            return response.status === 200
              ? undefined
              : {
                  status: response.status,
                  setCookie: response.headers.get("set-cookie") ?? "",
                  afterMs: Date.now() - changedAt,
                };
          },
          5_000,
        ),
      ),
    );
    for (const [i, result] of ended.entries()) {
      expect(result.status).toBe(expected[i]);
      expect(result.afterMs).toBeLessThan(5_000);
      expect(result.setCookie).toMatch(/^fedplat_admin_session=;.*Expires=Thu, 01 Jan 1970/); // the browser drops it
    }
    // Ended server-side, not only refused: the demoted admin's cookie now has no session at all.
    expect((await queuesWith(sessions[1] ?? "")).status).toBe(401);
  });

  it("fails closed when accounts cannot answer: 503 SUBGRAPH_UNAVAILABLE, at sign-in and for an open session", async () => {
    const down = createAccountsPrisma(`postgresql://postgres:postgres@127.0.0.1:${await freePort()}/nowhere`);
    const closed = await buildWorkersAdmin({
      redis,
      queues: [queue],
      deadLetters: deadLetterOps(deadLetters, () => undefined, { attempts: 1, backoffMs: 1 }),
      audit: redisAuditLog(redis, prefix, 1_000),
      metrics: createMetrics("workers"),
      logger: createLogger("admin-test", "silent"),
      identityTrust: TEST_IDENTITY_TRUST,
      verifyToken: createTokenVerifier({ kind: "hs256", secret: TEST_JWT_SECRET }),
      bullBoard: { checkSession: createAdminSessionCheck(accountsSessionState(down)), login, keyPrefix: prefix },
    });
    const closedBase = `http://127.0.0.1:${await closed.listen(0, "127.0.0.1")}`;
    try {
      const token = await signAccessToken(admin, TEST_JWT_SECRET);
      expect((await signIn(closedBase, token)).status).toBe(503);
      const bearer = await fetch(`${closedBase}/admin/queues/api/queues`, {
        headers: { ...JSON_ACCEPT, authorization: `Bearer ${token}` },
      });
      expect(bearer.status).toBe(503);
      expect(
        ((await bearer.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code,
      ).toBe("SUBGRAPH_UNAVAILABLE");
      // A session opened on a replica that could check (same Redis, same prefix) is refused here too.
      const { cookie } = await signIn(base, token);
      expect(
        (await fetch(`${closedBase}/admin/queues/api/queues`, { headers: { ...JSON_ACCEPT, cookie } })).status,
      ).toBe(503);
    } finally {
      await closed.close();
      await down.$disconnect();
    }
  });

  it("is read-only by default: a write through Bull Board (add, retry, clean) is refused with 405 QUEUE_READ_ONLY", async () => {
    const { cookie } = await signIn(base, await signAccessToken(admin, TEST_JWT_SECRET));
    const before = await queue.getWaitingCount();
    const add = await fetch(`${base}/admin/queues/api/queues/events-orders/add`, {
      method: "POST",
      headers: { ...JSON_ACCEPT, cookie, "content-type": "application/json" },
      body: JSON.stringify({ name: "order.placed", data: { forged: true } }),
    });
    expect(add.status).toBe(405);
    expect(await add.json()).toMatchObject({ error: { key: "ERRORS.QUEUE_READ_ONLY" } });
    const retry = await fetch(`${base}/admin/queues/api/queues/dead-letters/retry/failed`, {
      method: "PUT",
      headers: { ...JSON_ACCEPT, cookie },
    });
    expect(retry.status).toBe(405);
    const clean = await fetch(`${base}/admin/queues/api/queues/events-orders/clean/completed`, {
      method: "PUT",
      headers: { ...JSON_ACCEPT, cookie },
    });
    expect(clean.status).toBe(405);
    expect(await queue.getWaitingCount()).toBe(before);
  });

  it("records every dead-letter action in an audit log only admins can read: who, how signed in, what, on what, when, outcome", async () => {
    const url = `${base}/graphql`;
    const event = cancelled();
    await deadLetters.add("dead-letter", letterOf(event), { jobId: `events-orders.${event.eventId}` });
    await deadLetters.add(
      "dead-letter",
      {
        queue: "outbox",
        consumer: "relay",
        jobId: "row-1",
        event: { broken: true },
        attempts: 1,
        errors: ["invalid"],
        failedAt: new Date().toISOString(),
      },
      { jobId: "outbox.row-1" },
    );
    const startedAt = Date.now();
    const headers = await gatewayHeaders(admin, "operations");
    await graphqlRequest(
      url,
      /* GraphQL */ "mutation($id: ID!) { replayDeadLetter(id: $id) }",
      { id: `events-orders.${event.eventId}` },
      headers,
    );
    const refused = await graphqlRequest(url, 'mutation { replayDeadLetter(id: "outbox.row-1") }', {}, headers);
    expect(refused.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    await graphqlRequest(
      url,
      'mutation { discardDeadLetters(queue: "outbox") }',
      {},
      await gatewayHeaders(adminKey, "operations"),
    );

    const LOG =
      /* GraphQL */ "query($first: Int, $after: String, $action: String) { operationsAuditLog(first: $first, after: $after, action: $action) { edges { cursor node { id at actorId actorRole actorKind action target outcome detail } } pageInfo { hasNextPage endCursor } } }";
    type Log = {
      operationsAuditLog: {
        edges: Array<{
          cursor: string;
          node: Omit<AuditEvent, "at" | "actorKind"> & { at: string; actorKind: string };
        }>;
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    };
    const log = await graphqlRequest<Log>(url, LOG, { first: 3 }, headers);
    const [discarded, failed, replayed] = log.data?.operationsAuditLog.edges.map((edge) => edge.node) ?? [];
    expect(discarded).toMatchObject({
      actorId: adminKey.id,
      actorRole: "ADMIN",
      actorKind: "API_KEY",
      action: "discardDeadLetters",
      target: "outbox",
      outcome: "SUCCESS",
      detail: "discarded 1",
    });
    expect(failed).toMatchObject({
      actorId: admin.id,
      actorKind: "USER",
      action: "replayDeadLetter",
      target: "outbox.row-1",
      outcome: "FAILURE",
      detail: expect.stringContaining("cannot be replayed"),
    });
    expect(replayed).toMatchObject({
      actorId: admin.id,
      action: "replayDeadLetter",
      target: `events-orders.${event.eventId}`,
      outcome: "SUCCESS",
      detail: null,
    });
    expect(Date.parse(replayed?.at ?? "")).toBeGreaterThanOrEqual(startedAt - 1_000);
    expect(log.data?.operationsAuditLog.pageInfo.hasNextPage).toBe(true);

    // pages go on from the cursor; the filter keeps one action
    const next = await graphqlRequest<Log>(
      url,
      LOG,
      { first: 1, after: log.data?.operationsAuditLog.pageInfo.endCursor },
      headers,
    );
    expect(next.data?.operationsAuditLog.edges[0]?.node.id).not.toBe(replayed?.id);
    expect(Date.parse(next.data?.operationsAuditLog.edges[0]?.node.at ?? "")).toBeLessThanOrEqual(
      Date.parse(replayed?.at ?? ""),
    );
    const replays = await graphqlRequest<Log>(url, LOG, { first: 100, action: "replayDeadLetter" }, headers);
    expect(new Set(replays.data?.operationsAuditLog.edges.map((edge) => edge.node.action))).toEqual(
      new Set(["replayDeadLetter"]),
    );
    expect(replays.data?.operationsAuditLog.edges.map((edge) => edge.node.id)).toEqual(
      expect.arrayContaining([failed?.id, replayed?.id]),
    );

    expect((await graphqlRequest(url, LOG, { action: "dropEverything" }, headers)).errors?.[0]).toMatchObject({
      message: expect.stringContaining('unknown action "dropEverything"'),
      extensions: { code: "BAD_USER_INPUT" },
    });
    expect((await graphqlRequest(url, LOG, { after: "not-a-cursor" }, headers)).errors?.[0]?.extensions?.code).toBe(
      "BAD_USER_INPUT",
    );
    expect(
      (await graphqlRequest(url, LOG, {}, await gatewayHeaders(staff, "operations"))).errors?.[0]?.extensions?.code,
    ).toBe("FORBIDDEN");
    expect(
      (await graphqlRequest(url, LOG, {}, await gatewayHeaders(null, "operations"))).errors?.[0]?.extensions?.code,
    ).toBe("UNAUTHENTICATED");
  });

  it("in production: serves /metrics and health on the admin port only, sets Secure cookies, and when made writable records Bull Board writes", async () => {
    const audit = redisAuditLog(redis, prefix, 1_000);
    const production = await buildWorkersAdmin({
      redis,
      queues: [queue],
      deadLetters: deadLetterOps(deadLetters, () => undefined, { attempts: 1, backoffMs: 1 }),
      audit,
      metrics: createMetrics("workers"),
      logger: createLogger("admin-test", "silent"),
      identityTrust: TEST_IDENTITY_TRUST,
      verifyToken: createTokenVerifier({ kind: "hs256", secret: TEST_JWT_SECRET }),
      bullBoard: { checkSession, login, keyPrefix: prefix, readOnly: false },
      production: true,
      admin: { port: 0, host: "127.0.0.1" },
    });
    const publicBase = `http://127.0.0.1:${await production.listen(0, "127.0.0.1")}`;
    const adminBase = `http://127.0.0.1:${production.adminPort()}`;
    try {
      expect(production.adminPort()).toEqual(expect.any(Number));
      for (const path of ["/metrics", "/health/ready", "/health/live"])
        expect(`${path}: ${(await fetch(`${publicBase}${path}`)).status}`).toBe(`${path}: 404`);
      expect(await (await fetch(`${adminBase}/metrics`)).text()).toMatch(/bullmq_queue_jobs\{queue="events-orders"/);
      expect((await fetch(`${adminBase}/health/ready`)).status).toBe(200);
      expect((await fetch(`${adminBase}/graphql`, { method: "POST" })).status).toBe(404); // the admin port serves nothing else

      const { setCookie, cookie } = await signIn(publicBase, await signAccessToken(admin, TEST_JWT_SECRET));
      expect(setCookie.split(/;\s*/).map((a) => a.toLowerCase())).toEqual(
        expect.arrayContaining(["secure", "httponly", "samesite=strict"]),
      );
      const add = await fetch(`${publicBase}/admin/queues/api/queues/events-orders/add`, {
        method: "POST",
        headers: { ...JSON_ACCEPT, cookie, "content-type": "application/json" },
        body: JSON.stringify({ name: "order.placed", data: { byHand: true } }),
      });
      expect(add.status).toBe(200);
      // Recorded once the response is sent (the outcome is its status): wait for it.
      const [write, signedIn] = await waitFor("the Bull Board write in the audit log", async () => {
        const { events } = await audit.list(2);
        return events[0]?.action === "bullBoard" ? events : undefined;
      });
      expect(write).toMatchObject({
        actorId: admin.id,
        action: "bullBoard",
        target: "POST /api/queues/events-orders/add",
        outcome: "SUCCESS",
        detail: "HTTP 200",
      });
      expect(signedIn).toMatchObject({ actorId: admin.id, action: "bullBoardSignIn", outcome: "SUCCESS" });
    } finally {
      await production.close();
    }
    await expect(fetch(`${adminBase}/metrics`)).rejects.toThrow(); // closed with the server
  });

  it("is not ready (503) when Redis does not answer", async () => {
    // Nothing listens on port 9; no retries, so no reconnect timers outlive the test.
    const unreachable = new IORedis("redis://127.0.0.1:9", { maxRetriesPerRequest: null, retryStrategy: () => null });
    unreachable.on("error", () => undefined);
    const isolated = await buildWorkersAdmin({
      redis: unreachable,
      queues: [],
      deadLetters: deadLetterOps(deadLetters, () => undefined, { attempts: 1, backoffMs: 1 }),
      audit: redisAuditLog(unreachable, prefix, 1_000),
      metrics: createMetrics("workers"),
      logger: createLogger("admin-test", "silent"),
      identityTrust: TEST_IDENTITY_TRUST,
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
