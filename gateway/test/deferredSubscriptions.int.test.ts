import { randomUUID } from "node:crypto";
import { signAccessToken } from "@fedplat/auth";
import {
  bearer,
  graphqlRequest,
  openHttpSubscription,
  TEST_GATEWAY_KEY,
  TEST_JWT_SECRET,
  waitFor,
} from "@fedplat/devkit";
import { createLogger, createMetrics, createRedis, type Redis } from "@fedplat/runtime";
import { composeSubgraphs } from "@fedplat/tools";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayServer } from "../src";
import { createRedisKeyValueCache } from "../src/features/responseCache/redisKeyValueCache";
import { PLANNING_SDL, type PlanningSubgraph, startPlanningSubgraph } from "./fixtures/planningSubgraph";
import { startTasksSubgraph, type Task, type TasksSubgraph, tasksSdl, trustedManifest } from "./fixtures/tasksSubgraph";

/**
 * Issue 23 item 2: `@defer` inside subscriptions, on graphql-ws, SSE and multipart alike. Each
 * event arrives as its initial part, then each deferred part (deferSpec=20220824 payloads, as the
 * HTTP multipart @defer), all before the next event's. A real gateway (trusted documents enforced)
 * in front of two real subgraphs: "tasks" owns the task and its subscriptions, "planning" adds
 * the deferred fields (one of them staff-only), and live updates travel on Redis.
 */
jest.setTimeout(60_000);

const DEFERRED = /* GraphQL */ `subscription Deferred($id: ID!) { taskChanged(taskId: $id) { id title ... @defer(label: "planning") { assignee } } }`;
const DEFERRED_BUDGET = /* GraphQL */ `subscription DeferredBudget($id: ID!) { taskChanged(taskId: $id) { title ... @defer(label: "money") { assignee budgetCents } } }`;
const BUDGET_QUERY = /* GraphQL */ "query Budget($id: ID!) { task(id: $id) { title assignee budgetCents } }";
/** 51 directives: over the gateway's limit of 50, as on HTTP. */
const TOO_MANY_DEFERS = `subscription { myTaskUpdates { ${Array.from({ length: 51 }, () => "... @defer { title }").join(" ")} } }`;
const documents = trustedManifest([DEFERRED, DEFERRED_BUDGET, BUDGET_QUERY, TOO_MANY_DEFERS]);

const channel = `test:live:${randomUUID()}`;
const logger = createLogger("deferred-subscriptions-test", "silent");
let redis: Redis;
let tasks: TasksSubgraph;
let planning: PlanningSubgraph;
let gateway: GatewayServer;
let url: string;

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "deferred-subscriptions-test");
  tasks = await startTasksSubgraph({ sdl: tasksSdl(), redis, channel, logger });
  planning = await startPlanningSubgraph(logger);
  const { supergraphSdl } = composeSubgraphs([
    { name: "tasks", url: tasks.url, sdl: tasksSdl() },
    { name: "planning", url: planning.url, sdl: PLANNING_SDL },
  ]);
  gateway = await buildGateway({
    supergraphSdl,
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    logger,
    metrics: createMetrics("gateway"),
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    subscriptions: { channel, heartbeatMs: 60_000 },
    persistedQueries: {
      cache: createRedisKeyValueCache(redis, `test:apq:${randomUUID()}:`, logger),
      mode: "enforce",
      manifest: documents,
    },
  });
  url = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
  await gateway.subscriptions.ready();
});
afterAll(async () => {
  await gateway?.close();
  await planning?.close();
  await tasks?.close();
  await redis?.quit();
});

type Transport = "graphql-ws" | "sse" | "multipart";
type Message = Record<string, unknown>;

/** One subscription as its client receives it: every message (`next` payload) in order. */
interface Stream {
  messages: Message[];
  /** Errors that refused the subscription (graphql-ws `error`; over HTTP a refusal's body or a result with errors). */
  refusal(): Promise<unknown[]>;
  close(): void;
}

const opened: Stream[] = [];

async function subscribe(
  transport: Transport,
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<Stream> {
  let stream: Stream;
  if (transport === "graphql-ws") {
    const messages: Message[] = [];
    let refused: unknown[] | undefined;
    const client = createClient({
      url: url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket, // Node 20 has no global WebSocket
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    const unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (message) => void messages.push(message as Message),
        error: (errors) => {
          refused = errors as unknown[];
        },
        complete: () => undefined,
      },
    );
    stream = {
      messages,
      refusal: () => waitFor("the refusal", () => refused),
      close: () => {
        unsubscribe();
        void client.dispose();
      },
    };
  } else {
    const http = await openHttpSubscription(url, transport, { query, variables }, { authorization: `Bearer ${token}` });
    stream = {
      messages: http.events as Message[],
      // Refused before any stream (an HTTP status with a JSON body), or by a result with errors, then the end.
      refusal: async () => {
        await http.ended;
        return [...(http.body?.errors ?? []), ...http.events.flatMap((event) => event.errors ?? [])];
      },
      close: () => http.cancel(),
    };
  }
  opened.push(stream);
  return stream;
}

/** Waits until `stream` has received `count` messages, then returns them all. */
const received = (stream: Stream, count: number) =>
  waitFor(`${count} messages`, () => stream.messages.length >= count && stream.messages, 10_000);

const customerToken = (id: string) => signAccessToken({ id, role: "CUSTOMER" }, TEST_JWT_SECRET);

function newTask(ownerId: string, title: string, assignee: string): Task {
  const task = { id: randomUUID(), ownerId, title, done: false };
  tasks.tasks.set(task.id, task);
  planning.assignees.set(task.id, assignee);
  return task;
}

/** Events the gateway dropped because their subscriber may not see the entity (its /metrics). */
async function hiddenEvents(): Promise<number> {
  const metrics = await (await fetch(url.replace(/graphql$/, "metrics"))).text();
  return Number(/gateway_subscription_events_total\{outcome="hidden"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
}

/** The two parts of one event of DEFERRED. */
const deferredEvent = (task: Task, assignee: string) => [
  { data: { taskChanged: { id: task.id, title: task.title } }, hasNext: true },
  { incremental: [{ data: { assignee }, path: ["taskChanged"], label: "planning" }], hasNext: false },
];

afterEach(async () => {
  for (const stream of opened.splice(0)) stream.close();
  await waitFor("every subscription released", () => {
    const { connections, subscriptions, listeners } = gateway.subscriptions.stats();
    return connections + subscriptions + listeners === 0;
  });
});

describe.each<Transport>(["graphql-ws", "sse", "multipart"])("@defer in a subscription over %s", (transport) => {
  it("delivers each event as its initial part, then its deferred part from the other subgraph, event after event", async () => {
    const ownerId = randomUUID();
    const task = newTask(ownerId, "plan the release", "ada");
    const stream = await subscribe(transport, DEFERRED, { id: task.id }, await customerToken(ownerId));
    // The current state is the first event, in two parts.
    expect(await received(stream, 2)).toEqual(deferredEvent(task, "ada"));

    const renamed = { ...task, title: "ship the release" };
    planning.assignees.set(task.id, "grace");
    await tasks.commit(renamed);
    await received(stream, 4);
    const done = { ...renamed, done: true };
    planning.assignees.set(task.id, "linus");
    await tasks.commit(done);
    expect(await received(stream, 6)).toEqual([
      ...deferredEvent(task, "ada"),
      ...deferredEvent(renamed, "grace"),
      ...deferredEvent(done, "linus"),
    ]);
  });

  it("keeps a deferred field the subscriber may not see in its part: FORBIDDEN there, the rest delivered", async () => {
    const ownerId = randomUUID();
    const token = await customerToken(ownerId);
    const task = newTask(ownerId, "budgeted", "ada");
    // The same fields undeferred, over HTTP: the subgraph refuses budgetCents with FORBIDDEN.
    const query = await graphqlRequest(url, BUDGET_QUERY, { id: task.id }, bearer(token));
    expect(query.errors).toEqual([
      expect.objectContaining({
        path: ["task", "budgetCents"],
        extensions: expect.objectContaining({ code: "FORBIDDEN" }),
      }),
    ]);

    const stream = await subscribe(transport, DEFERRED_BUDGET, { id: task.id }, token);
    expect(await received(stream, 2)).toEqual([
      { data: { taskChanged: { title: "budgeted" } }, hasNext: true },
      {
        incremental: [
          {
            data: { assignee: "ada", budgetCents: null },
            path: ["taskChanged"],
            label: "money",
            errors: query.errors?.map((error) => ({ ...error, path: ["taskChanged", "budgetCents"] })),
          },
        ],
        hasNext: false,
      },
    ]);
  });

  it("sends nothing of an event whose entity the subscriber may not see, no deferred part either", async () => {
    const ownerId = randomUUID();
    const task = newTask(ownerId, "mine", "ada");
    const stream = await subscribe(transport, DEFERRED, { id: task.id }, await customerToken(ownerId));
    await received(stream, 2);
    // Given away: the subscriber may not see it (the tasks subgraph answers FORBIDDEN), so that event is dropped.
    // Each event re-reads the current state, so the next change waits until this one was read and dropped.
    const hidden = await hiddenEvents();
    planning.assignees.set(task.id, "while given away");
    await tasks.commit({ ...task, ownerId: randomUUID(), title: "given away" });
    await waitFor("the event dropped", async () => (await hiddenEvents()) === hidden + 1);
    const back = { ...task, title: "taken back" };
    planning.assignees.set(task.id, "grace");
    await tasks.commit(back);
    expect(await received(stream, 4)).toEqual([...deferredEvent(task, "ada"), ...deferredEvent(back, "grace")]);
    expect(JSON.stringify(stream.messages)).not.toMatch(/given away/);
  });

  it("runs only trusted documents and counts each @defer against the operation limits, as on HTTP", async () => {
    const token = await customerToken(randomUUID());
    const outside = await subscribe(transport, "subscription { myTaskUpdates { id ... @defer { title } } }", {}, token);
    expect(await outside.refusal()).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: "PERSISTED_QUERY_REQUIRED" }) }),
    ]);
    const tooMany = await subscribe(transport, TOO_MANY_DEFERS, {}, token);
    expect(await tooMany.refusal()).toEqual([
      expect.objectContaining({ extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }),
    ]);
  });
});

describe("@defer in shared subscriptions", () => {
  it("runs one execution per event for subscribers with the same document and identity, each getting every part", async () => {
    const ownerId = randomUUID();
    const token = await customerToken(ownerId);
    const task = newTask(ownerId, "shared", "ada");
    const streams = [
      await subscribe("graphql-ws", DEFERRED, { id: task.id }, token),
      await subscribe("sse", DEFERRED, { id: task.id }, token),
      await subscribe("multipart", DEFERRED, { id: task.id }, token),
    ];
    for (const stream of streams) expect(await received(stream, 2)).toEqual(deferredEvent(task, "ada"));
    const before = planning.reads();
    const changed = { ...task, title: "shared change" };
    planning.assignees.set(task.id, "grace");
    await tasks.commit(changed);
    for (const stream of streams)
      expect(await received(stream, 4)).toEqual([...deferredEvent(task, "ada"), ...deferredEvent(changed, "grace")]);
    // The deferred fragment's fetch ran once for the three subscribers (initial states are read per subscriber).
    expect(planning.reads() - before).toBe(1);
  });
});
