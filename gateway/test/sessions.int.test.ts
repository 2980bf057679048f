import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import { buildAccountsServer, createAccountsPrisma } from "@fedplat/accounts";
import { createFieldCipher } from "@fedplat/runtime";
import { signAccessToken } from "@fedplat/auth";
import {
  bearer,
  graphqlRequest,
  repoRoot,
  startTestSubgraph,
  TEST_GATEWAY_KEY,
  TEST_JWT_SECRET,
  TEST_PII_KEYS,
} from "@fedplat/devkit";
import { decodeProtectedHeader } from "jose";
import WebSocket from "ws";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayOptions, type GatewayServer } from "../src";
import { createSessionChecker } from "../src/features/identity/sessionChecker";
import { type AccountsCatalogOrders, startAccountsCatalogOrders } from "./accountsCatalogOrders";

/**
 * Sessions end when they should (docs/security.md): logout, changePassword, a demotion and
 * disabling a user reach access tokens already issued, on every gateway replica, within 5 s;
 * API keys are bounded in lifetime and role and stop within 5 s of revocation. Two real gateways
 * (replicas, each with its own session cache at the default 3 s) over real subgraphs.
 */
jest.setTimeout(60_000);

let services: AccountsCatalogOrders;
let replicas: string[];
const running: GatewayServer[] = [];
const PASSWORD = "Sessi0ns-pass";
const WITHIN_MS = 5_000;

async function startGateway(extra: Partial<GatewayOptions> = {}): Promise<string> {
  const options = services.gatewayOptions();
  // These tests poll refused credentials every 100 ms: rate limits are not what they are about.
  const rate = {
    ...(options.limits ?? defaultLimits).rate,
    anonymousPerMinute: 100_000,
    userPerMinute: 100_000,
    apiKeyPerMinute: 100_000,
    ipPerMinute: 100_000,
    invalidCredentialsPerMinute: 100_000,
  };
  const server = await buildGateway({
    ...options,
    limits: { ...(options.limits ?? defaultLimits), rate },
    // A session's state is trusted for cacheMs (3 s by default), then an idle connection waits for
    // the next sweep (0.5 s). 1.5 s leaves the 5 s windows below room for a loaded CI machine: with
    // the default, one run (four test tasks on two cores) saw a demotion close its idle connection
    // after more than 5 s; quiet runs measured 2.9-3.3 s.
    sessions: { cacheMs: 1_500 },
    ...extra,
  });
  running.push(server);
  return `http://127.0.0.1:${await server.listen(0, "127.0.0.1")}/graphql`;
}

beforeAll(async () => {
  services = await startAccountsCatalogOrders("sessions-test");
  replicas = [await startGateway(), await startGateway()];
});
afterAll(async () => {
  await Promise.all(running.map((server) => server.close()));
  await services?.stop();
});

type Response = Awaited<ReturnType<typeof graphqlRequest>>;
const codeOf = (response: Response) => response.errors?.[0]?.extensions?.code;
const [A, B] = [0, 1];

/** Polls (every 100 ms) until `done` holds for the answer; returns how long that took. Fails after 5 s. */
async function within(
  limitMs: number,
  ask: () => Promise<Response>,
  done: (response: Response) => boolean,
): Promise<number> {
  const started = Date.now();
  let last: Response | undefined;
  while (Date.now() - started <= limitMs) {
    last = await ask();
    if (done(last)) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${limitMs} ms; last answer ${JSON.stringify(last?.errors ?? last?.data)}`);
}

const refused = (response: Response) => response.status === 401 && codeOf(response) === "UNAUTHENTICATED";

const LOGIN =
  /* GraphQL */ "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken user { id } } }";
interface Session {
  id: string;
  email: string;
  accessToken: string;
  refreshToken: string;
}

async function login(email: string, password = PASSWORD): Promise<Session> {
  const res = await graphqlRequest<{ login: { accessToken: string; refreshToken: string; user: { id: string } } }>(
    replicas[A] ?? "",
    LOGIN,
    { e: email, p: password },
  );
  const login = res.data?.login;
  if (!login) throw new Error(`login failed: ${JSON.stringify(res.errors)}`);
  return { id: login.user.id, email, accessToken: login.accessToken, refreshToken: login.refreshToken };
}

/** A fresh account (so tests do not share sessions), logged in once; promoted directly in the database when asked. */
async function newUser(role: "CUSTOMER" | "STAFF" | "ADMIN" = "CUSTOMER"): Promise<Session> {
  const email = `session-${randomUUID()}@example.com`;
  await graphqlRequest(
    replicas[A] ?? "",
    'mutation($e: String!, $p: String!) { register(input: { email: $e, password: $p, name: "S" }) { email } }',
    { e: email, p: PASSWORD },
  );
  if (role !== "CUSTOMER") await services.accounts.prisma.user.update({ where: { email }, data: { role } });
  return login(email);
}

const me = (url: string, token: string) =>
  graphqlRequest<{ me: { id: string } | null }>(url, /* GraphQL */ "{ me { id } }", {}, bearer(token));
const adminHeaders = async () => bearer((await services.accounts.viewer("admin")).token);

describe("access tokens end with their session on every replica", () => {
  it("logout: the old access token is refused with 401 UNAUTHENTICATED within 5 s on both replicas", async () => {
    const user = await newUser();
    for (const url of replicas) expect((await me(url, user.accessToken)).data?.me?.id).toBe(user.id); // both caches warm
    const logout = await graphqlRequest(
      replicas[A] ?? "",
      /* GraphQL */ "mutation { logout }",
      {},
      bearer(user.accessToken),
    );
    expect(logout.data).toEqual({ logout: true });
    const elapsed = await Promise.all(
      replicas.map((url) => within(WITHIN_MS, () => me(url, user.accessToken), refused)),
    );
    expect(Math.max(...elapsed)).toBeLessThan(WITHIN_MS);
    const refresh = await graphqlRequest(
      replicas[B] ?? "",
      /* GraphQL */ "mutation($t: String!) { refreshToken(token: $t) { accessToken } }",
      { t: user.refreshToken },
    );
    expect(codeOf(refresh)).toBe("UNAUTHENTICATED");
    // Logging in again starts a new session that works at once.
    expect((await me(replicas[B] ?? "", (await login(user.email)).accessToken)).data?.me?.id).toBe(user.id);
  });

  it("changePassword: a wrong current password is BAD_USER_INPUT; the right one ends every other session and returns a working one", async () => {
    const user = await newUser();
    const other = await login(user.email);
    const change =
      /* GraphQL */ "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { accessToken refreshToken } }";
    const wrong = await graphqlRequest(
      replicas[A] ?? "",
      change,
      { c: "not-my-password1", n: "Brand-new-pass1" },
      bearer(user.accessToken),
    );
    expect(wrong.errors?.[0]).toMatchObject({
      message: "currentPassword: incorrect",
      extensions: { code: "BAD_USER_INPUT", field: "currentPassword" },
    });
    const weak = await graphqlRequest(replicas[A] ?? "", change, { c: PASSWORD, n: "short" }, bearer(user.accessToken));
    expect(weak.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "newPassword" });

    const changed = await graphqlRequest<{ changePassword: { accessToken: string; refreshToken: string } }>(
      replicas[A] ?? "",
      change,
      { c: PASSWORD, n: "Brand-new-pass1" },
      bearer(user.accessToken),
    );
    const fresh = changed.data?.changePassword;
    expect(fresh?.accessToken).toEqual(expect.any(String));
    await Promise.all(replicas.map((url) => within(WITHIN_MS, () => me(url, other.accessToken), refused)));
    await within(WITHIN_MS, () => me(replicas[B] ?? "", user.accessToken), refused); // the caller's old token too
    for (const url of replicas) expect((await me(url, fresh?.accessToken ?? "")).data?.me?.id).toBe(user.id);
    const oldRefresh = await graphqlRequest(
      replicas[A] ?? "",
      /* GraphQL */ "mutation($t: String!) { refreshToken(token: $t) { accessToken } }",
      { t: other.refreshToken },
    );
    expect(codeOf(oldRefresh)).toBe("UNAUTHENTICATED");
    expect(codeOf(await graphqlRequest(replicas[A] ?? "", LOGIN, { e: user.email, p: PASSWORD }))).toBe(
      "UNAUTHENTICATED",
    );
    await login(user.email, "Brand-new-pass1");
  });

  it("a demoted admin's token loses ADMIN within 5 s on both replicas, and cannot mint an API key above its role", async () => {
    const demoted = await newUser("ADMIN");
    const apiKeys = (url: string) =>
      graphqlRequest(url, /* GraphQL */ "{ apiKeys { id } }", {}, bearer(demoted.accessToken));
    for (const url of replicas) expect((await apiKeys(url)).errors).toBeUndefined();
    const set = await graphqlRequest(
      replicas[A] ?? "",
      /* GraphQL */ "mutation($id: ID!) { setUserRole(userId: $id, role: STAFF) { role } }",
      { id: demoted.id },
      await adminHeaders(),
    );
    expect(set.data).toEqual({ setUserRole: { role: "STAFF" } });
    await Promise.all(
      replicas.map((url) =>
        within(
          WITHIN_MS,
          () => apiKeys(url),
          (res) => codeOf(res) === "UNAUTHORIZED_FIELD_OR_TYPE",
        ),
      ),
    );
    // Still a STAFF session: staff fields work.
    expect(
      (
        await graphqlRequest(
          replicas[B] ?? "",
          /* GraphQL */ "{ users(first: 1) { totalCount } }",
          {},
          bearer(demoted.accessToken),
        )
      ).errors,
    ).toBeUndefined();
    const minted = await graphqlRequest(
      replicas[B] ?? "",
      'mutation { createApiKey(input: { name: "late", role: ADMIN }) { key } }',
      {},
      bearer(demoted.accessToken),
    );
    expect(codeOf(minted)).toBe("UNAUTHORIZED_FIELD_OR_TYPE");
  });

  it("a disabled user is refused: tokens within 5 s (401), login and refresh with ACCOUNT_DISABLED; enabling lets them in again within 5 s", async () => {
    const user = await newUser();
    for (const url of replicas) expect((await me(url, user.accessToken)).data?.me?.id).toBe(user.id);
    const admin = await adminHeaders();
    const disable = await graphqlRequest(
      replicas[A] ?? "",
      /* GraphQL */ "mutation($id: ID!, $d: Boolean!) { setUserDisabled(id: $id, disabled: $d) { id disabledAt } }",
      { id: user.id, d: true },
      admin,
    );
    expect(disable.data).toEqual({ setUserDisabled: { id: user.id, disabledAt: expect.any(String) } });
    await Promise.all(replicas.map((url) => within(WITHIN_MS, () => me(url, user.accessToken), refused)));
    expect(codeOf(await graphqlRequest(replicas[A] ?? "", LOGIN, { e: user.email, p: PASSWORD }))).toBe(
      "ACCOUNT_DISABLED",
    );
    const refresh = await graphqlRequest(
      replicas[A] ?? "",
      /* GraphQL */ "mutation($t: String!) { refreshToken(token: $t) { accessToken } }",
      { t: user.refreshToken },
    );
    expect(codeOf(refresh)).toBe("UNAUTHENTICATED"); // disabling revoked it
    // An admin cannot lock themselves out.
    const self = await services.accounts.viewer("admin");
    expect(
      codeOf(
        await graphqlRequest(
          replicas[A] ?? "",
          /* GraphQL */ "mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { id } }",
          { id: self.id },
          admin,
        ),
      ),
    ).toBe("BAD_USER_INPUT");

    await graphqlRequest(
      replicas[A] ?? "",
      /* GraphQL */ "mutation($id: ID!, $d: Boolean!) { setUserDisabled(id: $id, disabled: $d) { id } }",
      { id: user.id, d: false },
      admin,
    );
    const back = await login(user.email);
    await within(
      WITHIN_MS,
      () => me(replicas[B] ?? "", back.accessToken),
      (res) => (res.data as { me?: { id: string } } | undefined)?.me?.id === user.id,
    );
  });
});

describe("session checks of many users at once (a subscription event re-checks each distinct viewer)", () => {
  it("asks accounts in calls of up to 500 users, and still refuses unknown and disabled users", async () => {
    const check = createSessionChecker({ accountsUrl: services.accounts.url, signingKey: TEST_GATEWAY_KEY });
    const batch = randomUUID();
    const users = await services.accounts.prisma.user.createManyAndReturn({
      data: Array.from({ length: 600 }, (_, i) => ({
        email: `bulk-${i}-${batch}@example.com`,
        name: "Bulk",
        role: i % 2 === 0 ? ("STAFF" as const) : ("CUSTOMER" as const),
        passwordHash: "not a hash: these users never log in",
        ...(i === 7 ? { disabledAt: new Date() } : {}),
      })),
    });
    const calls = async () => {
      const metrics = await (await fetch(services.accounts.url.replace(/graphql$/, "metrics"))).text();
      return [...metrics.matchAll(/^subgraph_operations_total\{[^}]*operation="SessionStates"[^}]*\} (\d+)$/gm)].reduce(
        (sum, [, count]) => sum + Number(count),
        0,
      );
    };
    const before = await calls();
    const viewerOf = (id: string) => ({ id, roles: ["CUSTOMER"], scopes: [], kind: "user" as const });
    const outcomes = await Promise.allSettled(
      [...users.map((user) => user.id), randomUUID()].map((id) => check(viewerOf(id))),
    );
    expect((await calls()) - before).toBe(2); // 601 users: 500 + 101
    const refusals = outcomes.flatMap((outcome, i) =>
      outcome.status === "rejected" ? [[i, outcome.reason.message]] : [],
    );
    expect(refusals).toEqual([
      [7, "Session ended: this account is disabled"],
      [600, "Session ended: no such user"],
    ]);
    // Each acts with its current role from accounts, not the token's.
    expect(outcomes[0]).toEqual({ status: "fulfilled", value: expect.objectContaining({ roles: ["STAFF"] }) });
    expect(outcomes[1]).toEqual({ status: "fulfilled", value: expect.objectContaining({ roles: ["CUSTOMER"] }) });
  });
});

describe("when accounts cannot answer", () => {
  it("fails closed for access tokens (503 SUBGRAPH_UNAVAILABLE) and still serves anonymous requests", async () => {
    const options = services.gatewayOptions();
    const url = await startGateway({
      subgraphUrls: { ...options.subgraphUrls, ACCOUNTS: "http://127.0.0.1:9/graphql" },
    });
    const customer = await services.accounts.viewer("customer");
    const res = await me(url, customer.token);
    expect([res.status, codeOf(res)]).toEqual([503, "SUBGRAPH_UNAVAILABLE"]);
    const anonymous = await graphqlRequest<{ products: { totalCount: number } }>(
      url,
      /* GraphQL */ "{ products(first: 1) { totalCount } }",
    );
    expect(anonymous.data?.products.totalCount).toBeGreaterThan(0);
  });
});

describe("API keys: bounded lifetime and role, revoked within 5 s", () => {
  const CREATE =
    /* GraphQL */ "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id role expiresAt } } }";
  type Created = { createApiKey: { key: string; apiKey: { id: string; role: string; expiresAt: string } } };

  it("refuses an expiry beyond API_KEY_MAX_DAYS (BAD_USER_INPUT) and gives the maximum when none is asked", async () => {
    const admin = await adminHeaders();
    const far = await graphqlRequest(
      replicas[A] ?? "",
      CREATE,
      { input: { name: "far", role: "STAFF", expiresAt: "2999-01-01T00:00:00Z" } },
      admin,
    );
    expect(far.errors?.[0]).toMatchObject({
      message: expect.stringContaining("an API key lives at most 90 days"),
      extensions: { code: "BAD_USER_INPUT", field: "expiresAt" },
    });
    const none = await graphqlRequest<Created>(
      replicas[A] ?? "",
      CREATE,
      { input: { name: "default", role: "STAFF" } },
      admin,
    );
    const expiresAt = Date.parse(none.data?.createApiKey.apiKey.expiresAt ?? "");
    expect(Math.abs(expiresAt - (Date.now() + 90 * 86_400_000))).toBeLessThan(60_000);
  });

  it("a key never acts above its creator: a demoted creator's ADMIN key acts as the creator's new role within 5 s; a disabled creator's key stops", async () => {
    const creator = await newUser("ADMIN");
    const created = await graphqlRequest<Created>(
      replicas[A] ?? "",
      CREATE,
      { input: { name: "creator-bound", role: "ADMIN" } },
      bearer(creator.accessToken),
    );
    const key = { "x-api-key": created.data?.createApiKey.key ?? "" };
    const apiKeys = (url: string) => graphqlRequest(url, /* GraphQL */ "{ apiKeys { id } }", {}, key);
    for (const url of replicas) expect((await apiKeys(url)).errors).toBeUndefined();
    const admin = await adminHeaders();
    await graphqlRequest(
      replicas[A] ?? "",
      /* GraphQL */ "mutation($id: ID!) { setUserRole(userId: $id, role: STAFF) { role } }",
      { id: creator.id },
      admin,
    );
    await Promise.all(
      replicas.map((url) =>
        within(
          WITHIN_MS,
          () => apiKeys(url),
          (res) => codeOf(res) === "UNAUTHORIZED_FIELD_OR_TYPE",
        ),
      ),
    );
    expect(
      (await graphqlRequest(replicas[B] ?? "", /* GraphQL */ "{ users(first: 1) { totalCount } }", {}, key)).errors,
    ).toBeUndefined();
    await graphqlRequest(
      replicas[A] ?? "",
      /* GraphQL */ "mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { id } }",
      { id: creator.id },
      admin,
    );
    await Promise.all(
      replicas.map((url) =>
        within(WITHIN_MS, () => graphqlRequest(url, /* GraphQL */ "{ __typename }", {}, key), refused),
      ),
    );
  });

  it("accounts itself refuses a key above its creator's current role (FORBIDDEN), even while a replica still trusts a stale role", async () => {
    const demoted = await newUser("STAFF");
    // What a replica sends within its cache window after a demotion: the identity still says ADMIN.
    const stale = await services.accounts.viewer({ id: demoted.id, role: "ADMIN" });
    const res = await services.accounts.request(CREATE, { input: { name: "stale", role: "ADMIN" } }, stale.headers);
    expect(res.errors?.[0]).toMatchObject({
      message: "role: an API key cannot carry a role above its creator's (STAFF)",
      extensions: { code: "FORBIDDEN" },
    });
  });

  it("a revoked key stops within 5 s on both replicas", async () => {
    const admin = await adminHeaders();
    const created = await graphqlRequest<Created>(
      replicas[A] ?? "",
      CREATE,
      { input: { name: "revoke-me", role: "STAFF" } },
      admin,
    );
    const key = { "x-api-key": created.data?.createApiKey.key ?? "" };
    for (const url of replicas)
      expect((await graphqlRequest(url, /* GraphQL */ "{ __typename }", {}, key)).status).toBe(200);
    await graphqlRequest(
      replicas[A] ?? "",
      /* GraphQL */ "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }",
      { id: created.data?.createApiKey.apiKey.id },
      admin,
    );
    const elapsed = await Promise.all(
      replicas.map((url) =>
        within(WITHIN_MS, () => graphqlRequest(url, /* GraphQL */ "{ __typename }", {}, key), refused),
      ),
    );
    expect(Math.max(...elapsed)).toBeLessThan(WITHIN_MS);
  });
});

describe("idle subscriptions end with their session, without an event", () => {
  /** An acknowledged graphql-ws connection with one subscription that never gets an event. */
  interface IdleSubscription {
    /** Resolves with the close code and reason, and how many events arrived before. */
    closed: Promise<{ code: number; reason: string; events: number }>;
    close(): void;
  }

  const subscribeIdle = (url: string, params: Record<string, string>) =>
    new Promise<IdleSubscription>((resolve, reject) => {
      const socket = new WebSocket(url.replace(/^http/, "ws"), "graphql-transport-ws");
      let events = 0;
      const closed = new Promise<{ code: number; reason: string; events: number }>((done) =>
        socket.on("close", (code, reason) => done({ code, reason: String(reason), events })),
      );
      socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: params })));
      socket.on("message", (data) => {
        const message = JSON.parse(String(data)) as { type: string };
        if (message.type === "connection_ack") {
          socket.send(
            JSON.stringify({
              id: "1",
              type: "subscribe",
              payload: { query: /* GraphQL */ "subscription { myOrderUpdates { id status } }" },
            }),
          );
          resolve({ closed, close: () => socket.close() });
        } else if (message.type === "next") events += 1;
      });
      socket.on("error", reject);
      closed.then(({ code }) => reject(new Error(`closed with ${code} before connection_ack`)));
    });

  /** The close, or "still open" when the connection outlives `WITHIN_MS` after `since`. */
  const closedWithin = (subscription: IdleSubscription, since: number) =>
    Promise.race([
      subscription.closed,
      new Promise<"still open">((resolve) =>
        setTimeout(() => resolve("still open"), since + WITHIN_MS - Date.now()).unref(),
      ),
    ]);

  const refusals = async (url: string, reason: string) => {
    const text = await (await fetch(url.replace(/\/graphql$/, "/metrics"))).text();
    const line = new RegExp(`^gateway_subscription_refusals_total\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)$`, "m");
    return Number(line.exec(text)?.[1] ?? 0);
  };

  it("logout closes every idle connection of that session with 4403 within 5 s, on both replicas", async () => {
    const user = await newUser();
    const token = { authorization: `Bearer ${user.accessToken}` };
    const before = await Promise.all(replicas.map((url) => refusals(url, "session_revoked")));
    const open = [
      await subscribeIdle(replicas[A] ?? "", token),
      await subscribeIdle(replicas[A] ?? "", token),
      await subscribeIdle(replicas[B] ?? "", token),
    ];
    const loggedOut = Date.now();
    expect((await graphqlRequest(replicas[A] ?? "", "mutation { logout }", {}, bearer(user.accessToken))).data).toEqual(
      { logout: true },
    );
    const closes = await Promise.all(open.map((subscription) => closedWithin(subscription, loggedOut)));
    for (const close of closes)
      expect(close).toMatchObject({ code: 4403, reason: "Session ended or role changed: log in again", events: 0 });
    const after = await Promise.all(replicas.map((url) => refusals(url, "session_revoked")));
    expect([(after[A] ?? 0) - (before[A] ?? 0), (after[B] ?? 0) - (before[B] ?? 0)]).toEqual([2, 1]);
  });

  it("a demotion closes the idle connection with 4403 within 5 s; another user's stays open", async () => {
    const demoted = await newUser("STAFF");
    const bystander = await newUser();
    const closing = await subscribeIdle(replicas[B] ?? "", { authorization: `Bearer ${demoted.accessToken}` });
    const staying = await subscribeIdle(replicas[B] ?? "", { authorization: `Bearer ${bystander.accessToken}` });
    const demotedAt = Date.now();
    await graphqlRequest(
      replicas[A] ?? "",
      "mutation($id: ID!) { setUserRole(userId: $id, role: CUSTOMER) { role } }",
      { id: demoted.id },
      await adminHeaders(),
    );
    expect(await closedWithin(closing, demotedAt)).toMatchObject({ code: 4403, events: 0 });
    const stillOpen = await Promise.race([
      staying.closed.then(({ code }) => code),
      new Promise((resolve) => setTimeout(() => resolve("open"), 1_500)),
    ]);
    expect(stillOpen).toBe("open");
    staying.close();
  });

  it("a revoked API key's idle connection closes with 4403 within 5 s (metric reason api_key_revoked)", async () => {
    const admin = await adminHeaders();
    const created = await graphqlRequest<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      replicas[A] ?? "",
      'mutation { createApiKey(input: { name: "idle-ws", role: STAFF }) { key apiKey { id } } }',
      {},
      admin,
    );
    const before = await refusals(replicas[B] ?? "", "api_key_revoked");
    const idle = await subscribeIdle(replicas[B] ?? "", { "x-api-key": created.data?.createApiKey.key ?? "" });
    const revokedAt = Date.now();
    await graphqlRequest(
      replicas[A] ?? "",
      "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }",
      { id: created.data?.createApiKey.apiKey.id },
      admin,
    );
    expect(await closedWithin(idle, revokedAt)).toMatchObject({
      code: 4403,
      reason: "API key revoked or expired",
      events: 0,
    });
    expect((await refusals(replicas[B] ?? "", "api_key_revoked")) - before).toBe(1);
  });
});

describe("signing keys rotate by kid", () => {
  const K1 = "k1-secret-0123456789abcdef0123456789";
  const K2 = "k2-secret-0123456789abcdef0123456789";
  const K0 = "k0-secret-retired-0123456789abcdef01";

  it("accepts a token whose kid is still listed, refuses one signed with a retired kid, and one without a kid when JWT_SECRET is gone", async () => {
    const url = await startGateway({ identity: accountsIdentity({ keys: { k2: K2, k1: K1 } }) });
    const customer = await services.accounts.viewer("customer");
    const signed = (key: { id: string; secret: string } | string) =>
      signAccessToken({ id: customer.id, role: customer.role, tokenVersion: 0 }, key);
    expect((await me(url, await signed({ id: "k2", secret: K2 }))).data?.me?.id).toBe(customer.id);
    expect((await me(url, await signed({ id: "k1", secret: K1 }))).data?.me?.id).toBe(customer.id);
    for (const token of [
      await signed({ id: "k0", secret: K0 }),
      await signed({ id: "k1", secret: K2 }),
      await signed(TEST_JWT_SECRET),
    ]) {
      const res = await me(url, token);
      expect([res.status, codeOf(res), res.errors?.[0]?.message]).toEqual([
        401,
        "UNAUTHENTICATED",
        "Invalid access token",
      ]);
    }
  });

  it("accounts signs with its active key and names it in kid; a gateway listing that kid accepts its logins", async () => {
    const accounts = await startTestSubgraph({
      createPrisma: createAccountsPrisma,
      database: services.accounts.database,
      build: (deps) =>
        buildAccountsServer({
          ...deps,
          jwtSecret: { id: "k2", secret: K2 },
          cipher: createFieldCipher(TEST_PII_KEYS, "test1"),
        }),
    });
    try {
      const options = services.gatewayOptions();
      const url = await startGateway({
        identity: accountsIdentity({ keys: { k2: K2, k1: K1 } }),
        subgraphUrls: { ...options.subgraphUrls, ACCOUNTS: accounts.url },
      });
      const user = await newUser();
      const res = await graphqlRequest<{ login: { accessToken: string } }>(url, LOGIN, { e: user.email, p: PASSWORD });
      const token = res.data?.login.accessToken ?? "";
      expect(decodeProtectedHeader(token).kid).toBe("k2");
      expect((await me(url, token)).data?.me?.id).toBe(user.id);
      // A replica still on JWT_SECRET alone does not know k2.
      expect(refused(await me(replicas[A] ?? "", token))).toBe(true);
    } finally {
      await accounts.stop();
    }
  });
});

// Last: it signs every user of this test database out.
describe("ending every session (npm run sessions:end-all)", () => {
  it("refuses every access token issued so far within 5 s on both replicas, and every refresh token at once", async () => {
    const user = await newUser();
    for (const url of replicas) expect((await me(url, user.accessToken)).data?.me?.id).toBe(user.id);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", join(repoRoot, "subgraphs/accounts/src/cli/endAllSessions.ts"), "--yes"],
      {
        cwd: repoRoot,
        env: { ...process.env, ACCOUNTS_DATABASE_URL: services.accounts.database.url },
      },
    );
    expect(stdout).toMatch(/user\(s\) signed out everywhere/);
    await Promise.all(replicas.map((url) => within(WITHIN_MS, () => me(url, user.accessToken), refused)));
    const refresh = await graphqlRequest(
      replicas[A] ?? "",
      /* GraphQL */ "mutation($t: String!) { refreshToken(token: $t) { accessToken } }",
      { t: user.refreshToken },
    );
    expect(codeOf(refresh)).toBe("UNAUTHENTICATED");
    expect((await me(replicas[B] ?? "", (await login(user.email)).accessToken)).data?.me?.id).toBe(user.id);
  });
});
