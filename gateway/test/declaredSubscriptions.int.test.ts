import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signAccessToken } from "@fedplat/auth";
import { bearer, graphqlRequest, TEST_GATEWAY_KEY, TEST_JWT_SECRET, waitFor } from "@fedplat/devkit";
import { createLogger, createRedis, type Redis } from "@fedplat/runtime";
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayServer } from "../src";
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
import { nextOf } from "./fixtures/nextEvent";

/**
 * Issue 22: a subgraph declares its own Subscription fields with `@live` in its SDL, and a real
 * gateway serves them over graphql-ws when a live update is published on Redis, with no gateway
 * code for them. "tasks" is such a subgraph, unknown to the gateway's code; it also has a field it
 * does not declare, which is refused on its own without stopping the gateway from starting.
 */
jest.setTimeout(60_000);

/** The tasks subgraph, plus a Subscription field it does not declare with @live. */
const TASKS_SDL = tasksSdl("\n    undeclaredTicks: Task!");
const UNDECLARED = /* GraphQL */ "subscription { undeclaredTicks { id } }";
/** The gateway enforces trusted documents, as in production: these are its manifest. */
const documents = trustedManifest([TASK_CHANGED, MINE, UNDECLARED, TASK_QUERY, ALIASES]);

const channel = `test:live:${randomUUID()}`;
const logger = createLogger("declared-subscriptions-test", "silent");
let redis: Redis;
let subgraph: TasksSubgraph;
let gateway: GatewayServer;
let httpUrl: string;
let wsUrl: string;
/** The gateway follows this file (a ConfigMap mount in production): see the hot-reload test. */
const supergraphPath = join(mkdtempSync(join(tmpdir(), "fedplat-tasks-supergraph-")), "supergraph.graphql");
const composeTasks = (sdl: string) => subgraph.compose(sdl);
const clients: Client[] = [];

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "declared-subscriptions-test");
  subgraph = await startTasksSubgraph({ sdl: TASKS_SDL, redis, channel, logger });
  const supergraphSdl = composeTasks(TASKS_SDL);
  writeFileSync(supergraphPath, supergraphSdl);
  gateway = await buildGateway({
    supergraphSdl,
    supergraphUpdates: { path: supergraphPath, intervalMs: 100 },
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    logger,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    subscriptions: { channel },
    persistedQueries: {
      cache: createRedisKeyValueCache(redis, `test:apq:${randomUUID()}:`, logger),
      mode: "enforce",
      manifest: documents,
    },
  });
  httpUrl = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
  wsUrl = httpUrl.replace(/^http/, "ws");
  await gateway.subscriptions.ready();
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await gateway?.close();
  await subgraph?.close();
  await redis?.quit();
});

/** A graphql-ws client of a user (a fresh one unless `id` is given). */
async function userClient(id = randomUUID()): Promise<{ id: string; token: string; client: Client }> {
  const token = await signAccessToken({ id, role: "CUSTOMER" }, TEST_JWT_SECRET);
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket, // Node 20 has no global WebSocket
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  clients.push(client);
  return { id, token, client };
}

const commit = (task: Task) => subgraph.commit(task);

/** The GraphQL error codes a subscription was refused with (graphql-ws rejects its iterator with them). */
async function refusalCodes(client: Client, query: string, variables: Record<string, unknown> = {}) {
  try {
    await nextOf(client.iterate({ query, variables }));
  } catch (errors) {
    return (errors as Array<{ extensions?: { code?: string } }>).map((error) => error.extensions?.code);
  }
  throw new Error("the subscription was not refused");
}

describe("a Subscription field declared with @live in a subgraph's SDL", () => {
  it("sends the task's current state, then its committed changes, re-read through Query.task as the subscriber", async () => {
    const owner = await userClient();
    const task: Task = { id: randomUUID(), ownerId: owner.id, title: "write docs", done: false };
    subgraph.tasks.set(task.id, task);
    const events = owner.client.iterate({ query: TASK_CHANGED, variables: { id: task.id } });
    expect(await nextOf(events)).toEqual({ data: { taskChanged: { id: task.id, title: "write docs", done: false } } });
    await commit({ ...task, done: true });
    expect(await nextOf(events)).toEqual({ data: { taskChanged: { id: task.id, title: "write docs", done: true } } });
    await events.return?.();
  });

  it("routes by owner when it names no entity: each user sees only updates of their own tasks", async () => {
    const alice = await userClient();
    const bob = await userClient();
    const before = gateway.subscriptions.stats().subscriptions;
    const aliceEvents = alice.client.iterate({ query: MINE });
    const bobEvents = bob.client.iterate({ query: MINE });
    const started = [nextOf(aliceEvents), nextOf(bobEvents)]; // iterating sends the subscribe messages
    await waitFor("both subscriptions", () => gateway.subscriptions.stats().subscriptions === before + 2);
    await commit({ id: randomUUID(), ownerId: alice.id, title: "alice's", done: false });
    await commit({ id: randomUUID(), ownerId: bob.id, title: "bob's", done: false });
    expect(await Promise.all(started)).toEqual([
      { data: { myTaskUpdates: { title: "alice's" } } },
      { data: { myTaskUpdates: { title: "bob's" } } },
    ]);
    await aliceEvents.return?.();
    await bobEvents.return?.();
  });

  it("keeps the subgraph's permissions: another user's task is refused with the code the query gets", async () => {
    const owner = await userClient();
    const stranger = await userClient();
    const task: Task = { id: randomUUID(), ownerId: owner.id, title: "private", done: false };
    subgraph.tasks.set(task.id, task);
    const query = await graphqlRequest(
      httpUrl,
      "query($id: ID!) { task(id: $id) { title } }",
      { id: task.id },
      bearer(stranger.token),
    );
    expect(query.errors?.map((error) => error.extensions?.code)).toEqual(["FORBIDDEN"]);
    expect(await refusalCodes(stranger.client, TASK_CHANGED, { id: task.id })).toEqual(["FORBIDDEN"]);
  });

  it("refuses a field without a declaration with SUBSCRIPTION_NOT_SERVED; the gateway started and serves the rest", async () => {
    const user = await userClient();
    expect(await refusalCodes(user.client, UNDECLARED)).toEqual(["SUBSCRIPTION_NOT_SERVED"]);
    // The same connection still serves a declared field.
    const task: Task = { id: randomUUID(), ownerId: user.id, title: "still served", done: false };
    subgraph.tasks.set(task.id, task);
    const events = user.client.iterate({ query: TASK_CHANGED, variables: { id: task.id } });
    expect(await nextOf(events)).toMatchObject({ data: { taskChanged: { title: "still served" } } });
    await events.return?.();
    const metrics = await (await fetch(httpUrl.replace(/graphql$/, "metrics"))).text();
    expect(metrics).toMatch(/gateway_subscription_refusals_total\{reason="not_served",service="gateway"\} 1\n/);
  });

  it("has the trusted documents and limits of every subscription", async () => {
    const user = await userClient();
    const outside = "subscription { myTaskUpdates { id } }";
    expect(await refusalCodes(user.client, outside)).toEqual(["PERSISTED_QUERY_REQUIRED"]);
    expect(await refusalCodes(user.client, ALIASES)).toEqual(["GRAPHQL_VALIDATION_FAILED"]); // 16 aliases, limit 15
    // A manifest document sent by id alone is served.
    const task: Task = { id: randomUUID(), ownerId: user.id, title: "by id", done: false };
    subgraph.tasks.set(task.id, task);
    const events = user.client.iterate({
      query: "",
      variables: { id: task.id },
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256(TASK_CHANGED) } },
    });
    expect(await nextOf(events)).toMatchObject({ data: { taskChanged: { title: "by id" } } });
    await events.return?.();
  });

  it("keeps open subscriptions across a new supergraph, and ends one whose field the new supergraph removed", async () => {
    const served = async () =>
      ((await (await fetch(httpUrl.replace(/graphql$/, "health/ready"))).json()) as { supergraph: { hash: string } })
        .supergraph.hash;
    const user = await userClient();
    const task: Task = { id: randomUUID(), ownerId: user.id, title: "across reloads", done: false };
    subgraph.tasks.set(task.id, task);
    const watching = user.client.iterate({ query: TASK_CHANGED, variables: { id: task.id } });
    expect(await nextOf(watching)).toMatchObject({ data: { taskChanged: { done: false } } });
    const mine = user.client.iterate({ query: MINE });
    const mineNext = nextOf(mine);
    const before = await served();

    // v2 adds a field: both subscriptions continue, their next events planned against it.
    writeFileSync(
      supergraphPath,
      composeTasks(TASKS_SDL.replace("done: Boolean!", "done: Boolean!\n    notes: String")),
    );
    await waitFor("v2 served", async () => (await served()) !== before, 10_000);
    await commit({ ...task, done: true });
    expect(await nextOf(watching)).toEqual({
      data: { taskChanged: { id: task.id, title: "across reloads", done: true } },
    });
    expect(await mineNext).toEqual({ data: { myTaskUpdates: { title: "across reloads" } } });

    // v3 removes myTaskUpdates: that subscription ends with a clear error; the other one goes on.
    const v2 = await served();
    writeFileSync(
      supergraphPath,
      composeTasks(TASKS_SDL.replace(/\n\s*myTaskUpdates: Task! @live\(query: "task"\)/, "")),
    );
    await waitFor("v3 served", async () => (await served()) !== v2, 10_000);
    expect(await nextOf(mine)).toMatchObject({
      errors: [{ extensions: { code: "SUBSCRIPTION_FIELD_REMOVED" } }],
    });
    expect(await mine.next()).toEqual({ done: true, value: undefined });
    await commit({ ...task, title: "still watched" });
    expect(await nextOf(watching)).toMatchObject({ data: { taskChanged: { title: "still watched" } } });
    await watching.return?.();
  });
});
