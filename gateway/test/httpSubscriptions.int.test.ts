import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signAccessToken, type Viewer } from "@fedplat/auth";
import {
  type HttpSubscription,
  type HttpTransport,
  openHttpSubscription,
  TEST_GATEWAY_KEY,
  TEST_JWT_SECRET,
  waitFor,
} from "@fedplat/devkit";
import { createLogger, createMetrics, createRedis, type Redis } from "@fedplat/runtime";
import { createClient } from "graphql-sse";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayOptions, type GatewayServer } from "../src";
import { defaultSubscriptionLimits } from "../src/features/subscriptions";
import { createRedisKeyValueCache } from "../src/features/responseCache/redisKeyValueCache";
import {
  ALIASES,
  MINE,
  startTasksSubgraph,
  type Task,
  TASK_CHANGED,
  TASK_QUERY,
  type TasksSubgraph,
  tasksSdl,
  trustedManifest,
  sha256,
} from "./fixtures/tasksSubgraph";

/**
 * Issue 23 item 5: subscriptions over GraphQL over SSE and Apollo's multipart HTTP protocol, on
 * /graphql beside graphql-ws, read by a raw HTTP client. A real gateway (trusted documents
 * enforced, as in production) in front of a real subgraph, with live updates on Redis.
 */
jest.setTimeout(60_000);

const TASKS_SDL = tasksSdl();
const documents = trustedManifest([TASK_CHANGED, MINE, TASK_QUERY, ALIASES]);

const channel = `test:live:${randomUUID()}`;
const logger = createLogger("http-subscriptions-test", "silent");
/** API keys issued so far (key -> its viewer); deleting one revokes it. */
const apiKeys = new Map<string, Viewer>();
let redis: Redis;
let subgraph: TasksSubgraph;
let gateway: GatewayServer;
let url: string;
const supergraphPath = join(mkdtempSync(join(tmpdir(), "fedplat-http-subscriptions-")), "supergraph.graphql");
const composeTasks = (sdl: string) => subgraph.compose(sdl);

/** A gateway on the tasks subgraph, as production configures one (plus a short heartbeat). */
function gatewayOptions(): GatewayOptions {
  return {
    supergraphSdl: composeTasks(TASKS_SDL),
    supergraphUpdates: { path: supergraphPath, intervalMs: 100 },
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    apiKeys: { resolve: async (key) => apiKeys.get(key) ?? null },
    signingKey: TEST_GATEWAY_KEY,
    redis,
    logger,
    metrics: createMetrics("gateway"),
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    subscriptions: { channel, heartbeatMs: 200 },
    persistedQueries: {
      cache: createRedisKeyValueCache(redis, `test:apq:${randomUUID()}:`, logger),
      mode: "enforce",
      manifest: documents,
    },
  };
}

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "http-subscriptions-test");
  subgraph = await startTasksSubgraph({ sdl: TASKS_SDL, redis, channel, logger });
  writeFileSync(supergraphPath, composeTasks(TASKS_SDL));
  gateway = await buildGateway(gatewayOptions());
  url = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
  await gateway.subscriptions.ready();
});
afterAll(async () => {
  await gateway?.close();
  await subgraph?.close();
  await redis?.quit();
});

/** A user with a bearer token (a fresh one unless `id` is given), valid for `ttlSeconds`. */
async function user(ttlSeconds = 900, id = randomUUID()) {
  const token = await signAccessToken({ id, role: "CUSTOMER" }, TEST_JWT_SECRET, ttlSeconds);
  return { id, headers: { authorization: `Bearer ${token}` } };
}

const commit = (task: Task) => subgraph.commit(task);

function newTask(ownerId: string, title: string): Task {
  const task = { id: randomUUID(), ownerId, title, done: false };
  subgraph.tasks.set(task.id, task);
  return task;
}

const codesOf = (errors: ReadonlyArray<{ extensions?: Record<string, unknown> }> | undefined) =>
  (errors ?? []).map((error) => error.extensions?.code);

describe.each<HttpTransport>(["sse", "multipart"])("subscriptions over %s", (transport) => {
  const streams: HttpSubscription[] = [];
  const open = async (
    request: Parameters<typeof openHttpSubscription>[2],
    headers?: Record<string, string>,
    method?: "GET" | "POST",
  ) => {
    const stream = await openHttpSubscription(url, transport, request, headers, method);
    streams.push(stream);
    return stream;
  };
  // Every stream a client leaves or the gateway ends gives back what it held.
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.cancel();
    await waitFor("no connection left", () => {
      const { connections, subscriptions, listeners, expiryTimers } = gateway.subscriptions.stats();
      return connections + subscriptions + listeners + expiryTimers === 0;
    });
  });

  it("streams the task's current state, then its committed changes", async () => {
    const owner = await user();
    const task = newTask(owner.id, "write docs");
    const stream = await open({ query: TASK_CHANGED, variables: { id: task.id } }, owner.headers);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toBe(
      transport === "sse"
        ? "text/event-stream; charset=utf-8"
        : 'multipart/mixed; boundary="graphql"; subscriptionSpec="1.0"',
    );
    expect(await stream.next()).toEqual({ data: { taskChanged: { id: task.id, title: "write docs", done: false } } });
    await commit({ ...task, done: true });
    expect(await stream.next((event) => event !== stream.events[0])).toEqual({
      data: { taskChanged: { id: task.id, title: "write docs", done: true } },
    });
  });

  it("refuses a request without credentials (401 UNAUTHENTICATED) and one with a forged token (401)", async () => {
    const task = newTask(randomUUID(), "secret");
    const anonymous = await open({ query: TASK_CHANGED, variables: { id: task.id } });
    expect(anonymous.status).toBe(401);
    expect(codesOf(anonymous.body?.errors)).toEqual(["UNAUTHENTICATED"]);
    const forged = await open(
      { query: TASK_CHANGED, variables: { id: task.id } },
      { authorization: `Bearer ${await signAccessToken({ id: "x", role: "ADMIN" }, "not-the-secret")}` },
    );
    expect(forged.status).toBe(401);
    expect(codesOf(forged.body?.errors)).toEqual(["UNAUTHENTICATED"]);
  });

  it("runs only trusted documents: one outside the manifest is refused (400), one sent by id alone is served", async () => {
    const owner = await user();
    const outside = await open({ query: "subscription { myTaskUpdates { id } }" }, owner.headers);
    expect(outside.status).toBe(400);
    expect(codesOf(outside.body?.errors)).toEqual(["PERSISTED_QUERY_REQUIRED"]);
    const task = newTask(owner.id, "by id");
    const byId = await open(
      { variables: { id: task.id }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(TASK_CHANGED) } } },
      owner.headers,
    );
    expect(await byId.next()).toMatchObject({ data: { taskChanged: { title: "by id" } } });
  });

  it("applies the operation limits and the subgraph's permissions, then ends the stream", async () => {
    const owner = await user();
    const stranger = await user();
    const tooMany = await open({ query: ALIASES }, owner.headers); // 16 aliases, limit 15
    await tooMany.ended;
    expect(tooMany.events.flatMap((event) => codesOf(event.errors))).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(tooMany.completed).toBe(true);
    const task = newTask(owner.id, "private");
    const forbidden = await open({ query: TASK_CHANGED, variables: { id: task.id } }, stranger.headers);
    await forbidden.ended;
    expect(forbidden.events.flatMap((event) => codesOf(event.errors))).toEqual(["FORBIDDEN"]);
  });

  it("authorizes each event for its subscriber: a change it may no longer see is dropped", async () => {
    const owner = await user();
    const task = newTask(owner.id, "shared");
    const stream = await open({ query: TASK_CHANGED, variables: { id: task.id } }, owner.headers);
    await stream.next();
    await commit({ ...task, ownerId: randomUUID(), title: "given away" });
    await commit({ ...task, title: "taken back" });
    await stream.next((event) => JSON.stringify(event).includes("taken back"));
    expect(stream.events.map((event) => JSON.stringify(event))).not.toContainEqual(
      expect.stringContaining("given away"),
    );
  });

  it("ends the stream when its API key is revoked, with graphql-ws's close code (4403) in a FORBIDDEN error", async () => {
    const key = `key-${randomUUID()}`;
    const ownerId = randomUUID();
    apiKeys.set(key, { id: ownerId, roles: ["CUSTOMER"], scopes: [], kind: "apiKey" });
    const stream = await open({ query: MINE }, { "x-api-key": key });
    expect(stream.status).toBe(200); // the subscription is registered before the response starts
    apiKeys.delete(key);
    await stream.ended; // the session sweep ends it with no event
    const expected = { message: "API key revoked or expired", extensions: { code: "FORBIDDEN", closeCode: 4403 } };
    if (transport === "sse") expect(stream.events).toEqual([{ errors: [expected] }]);
    else expect(stream.transportErrors).toEqual([expected]);
    expect(stream.completed).toBe(true);
  });

  it("ends the stream when the access token expires (UNAUTHENTICATED, 4401)", async () => {
    const owner = await user(3);
    const stream = await open({ query: MINE }, owner.headers);
    await stream.ended;
    const errors = transport === "sse" ? stream.events.flatMap((event) => event.errors ?? []) : stream.transportErrors;
    expect(errors).toEqual([
      { message: "Access token expired", extensions: { code: "UNAUTHENTICATED", closeCode: 4401 } },
    ]);
  });

  it("keeps Apollo's CSRF prevention: a GET needs the preflight header", async () => {
    const owner = await user();
    const task = newTask(owner.id, "over GET");
    const request = { query: TASK_CHANGED, variables: { id: task.id } };
    const blocked = await open(request, owner.headers, "GET");
    expect(blocked.status).toBe(400);
    expect(blocked.body?.errors?.[0]?.message).toMatch(/Cross-Site Request Forgery/);
    const preflighted = await open(request, { ...owner.headers, "apollo-require-preflight": "true" }, "GET");
    expect(await preflighted.next()).toMatchObject({ data: { taskChanged: { title: "over GET" } } });
  });

  it("answers a query with the same Accept header (and application/json) as before: one JSON result", async () => {
    const owner = await user();
    const task = newTask(owner.id, "queried");
    const response = await fetch(url, {
      method: "POST",
      headers: {
        ...owner.headers,
        "content-type": "application/json",
        accept:
          transport === "sse"
            ? "text/event-stream, application/json"
            : 'multipart/mixed;subscriptionSpec="1.0", application/json',
      },
      body: JSON.stringify({ query: TASK_QUERY, variables: { id: task.id } }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { task: { title: "queried" } } });
  });
});

describe("the gateway's budgets", () => {
  it("hold HTTP subscriptions too: per-user connections (429, 4029), then the per-user rate limit (429)", async () => {
    const options = gatewayOptions();
    const limited = await buildGateway({
      ...options,
      supergraphUpdates: undefined,
      limits: {
        ...defaultLimits,
        rate: { ...defaultLimits.rate, userPerMinute: 2, keyPrefix: `test:${randomUUID()}` },
      },
      subscriptions: { ...options.subscriptions, limits: { ...defaultSubscriptionLimits, maxConnectionsPerUser: 1 } },
    });
    const limitedUrl = `http://127.0.0.1:${await limited.listen(0, "127.0.0.1")}/graphql`;
    try {
      for (const transport of ["sse", "multipart"] as const) {
        const owner = await user();
        const first = await openHttpSubscription(limitedUrl, transport, { query: MINE }, owner.headers);
        expect(first.status).toBe(200);
        const second = await openHttpSubscription(limitedUrl, transport, { query: MINE }, owner.headers);
        expect([second.status, second.body]).toEqual([
          429,
          {
            errors: [
              {
                message: "Too many connections for this user (limit 1)",
                extensions: { code: "TOO_MANY_CONNECTIONS", closeCode: 4029 },
              },
            ],
          },
        ]);
        const third = await openHttpSubscription(limitedUrl, transport, { query: MINE }, owner.headers);
        expect(third.status).toBe(429);
        expect(codesOf(third.body?.errors)).toEqual(["RATE_LIMITED"]);
        first.cancel();
      }
    } finally {
      await limited.close();
    }
  });
});

describe("graphql-sse's own client", () => {
  it("subscribes in distinct connections mode and gets the same events", async () => {
    const owner = await user();
    const task = newTask(owner.id, "through the client");
    const client = createClient({ url, headers: owner.headers, retryAttempts: 0 });
    const events = client.iterate({ query: TASK_CHANGED, variables: { id: task.id } });
    try {
      expect((await events.next()).value).toEqual({
        data: { taskChanged: { id: task.id, title: "through the client", done: false } },
      });
      await commit({ ...task, done: true });
      expect((await events.next()).value).toMatchObject({ data: { taskChanged: { done: true } } });
    } finally {
      await events.return?.(undefined);
      client.dispose();
    }
  });
});

describe("multipart subscriptions", () => {
  it("send a heartbeat {} every few seconds while no event comes", async () => {
    const stream = await openHttpSubscription(url, "multipart", { query: MINE }, (await user()).headers);
    await waitFor("three heartbeats", () => stream.heartbeats >= 3, 5_000);
    expect(stream.events).toEqual([]);
    stream.cancel();
  });
});

describe("the same close semantics as graphql-ws", () => {
  it("ends a subscription whose field a new supergraph removed with SUBSCRIPTION_FIELD_REMOVED", async () => {
    const served = async () =>
      ((await (await fetch(url.replace(/graphql$/, "health/ready"))).json()) as { supergraph: { hash: string } })
        .supergraph.hash;
    const owner = await user();
    const streams = await Promise.all(
      (["sse", "multipart"] as const).map((transport) =>
        openHttpSubscription(url, transport, { query: MINE }, owner.headers),
      ),
    );
    // Each is registered before its response starts.
    expect(streams.map((stream) => stream.status)).toEqual([200, 200]);
    const before = await served();
    writeFileSync(
      supergraphPath,
      composeTasks(TASKS_SDL.replace(/\n\s*myTaskUpdates: Task! @live\(query: "task"\)/, "")),
    );
    try {
      await waitFor("the new supergraph served", async () => (await served()) !== before, 10_000);
      for (const stream of streams) {
        await stream.ended;
        expect(stream.events.flatMap((event) => codesOf(event.errors))).toEqual(["SUBSCRIPTION_FIELD_REMOVED"]);
        expect(stream.completed).toBe(true);
      }
    } finally {
      const removed = await served();
      writeFileSync(supergraphPath, composeTasks(TASKS_SDL));
      await waitFor("the first supergraph served again", async () => (await served()) !== removed, 10_000);
    }
  });

  it("ends every stream cleanly when the gateway shuts down (SHUTTING_DOWN, 1001)", async () => {
    const second = await buildGateway({ ...gatewayOptions(), supergraphUpdates: undefined });
    const secondUrl = `http://127.0.0.1:${await second.listen(0, "127.0.0.1")}/graphql`;
    const owner = await user();
    const [sse, multipart] = await Promise.all(
      (["sse", "multipart"] as const).map((transport) =>
        openHttpSubscription(secondUrl, transport, { query: MINE }, owner.headers),
      ),
    );
    await waitFor("both subscriptions", () => second.subscriptions.stats().subscriptions === 2);
    const started = Date.now();
    await second.close();
    expect(Date.now() - started).toBeLessThan(5_000); // not held until the drain's grace period
    const expected = {
      message: "The gateway is shutting down",
      extensions: { code: "SHUTTING_DOWN", closeCode: 1001 },
    };
    await sse?.ended;
    expect(sse?.events).toEqual([{ errors: [expected] }]);
    expect(sse?.completed).toBe(true);
    await multipart?.ended;
    expect(multipart?.transportErrors).toEqual([expected]);
    expect(multipart?.completed).toBe(true);
  });
});
