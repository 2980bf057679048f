import { randomUUID } from "node:crypto";
import type { ApolloServerPlugin } from "@apollo/server";
import { signAccessToken, VIEWER_DEPENDENCE_EXTENSION } from "@fedplat/auth";
import { TEST_GATEWAY_KEY, TEST_JWT_SECRET, waitFor } from "@fedplat/devkit";
import { createLogger, createRedis, type Redis } from "@fedplat/runtime";
import type { BaseContext } from "@fedplat/subgraph";
import { type Client, createClient, type ExecutionResult } from "graphql-ws";
import WebSocket from "ws";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayServer } from "../src";
import { startTasksSubgraph, TASK_CHANGED, type Task, type TasksSubgraph, tasksSdl } from "./fixtures/tasksSubgraph";
import { nextOf } from "./fixtures/nextEvent";

/**
 * Issue 25: one event, many viewers with distinct identities. The subgraph says whether its answer
 * depended on who the viewer is (extensions.viewerDependence); the gateway runs one execution per
 * role class when it did not, one per viewer when it did or when it cannot tell. Real gateways,
 * real subgraph servers over HTTP, real Redis; executions are counted where they arrive.
 */
jest.setTimeout(60_000);

const logger = createLogger("shared-subscription-executions-test", "silent");
const clients: Client[] = [];
let redis: Redis;

interface Setup {
  subgraph: TasksSubgraph;
  gateway: GatewayServer;
  wsUrl: string;
  /** Events the gateway has resolved for a subscriber so far (delivered, hidden, repeated or failed). */
  outcomes(): Promise<number>;
  /** Operations the subgraph has executed so far (each one federated fetch). */
  executions(): number;
}
/** Staff read any task (the rule checks the role before the owner); everyone else only their own. */
let sharing: Setup;
/** The same subgraph answering without the extension, as a subgraph that predates it would. */
let silent: Setup;
/** Task.title under a @policy whose decider (the gateway's, a deployment's own) reads the viewer's id. */
let policed: Setup;

/** tasksSdl with Task.title under @policy(policies: [["everyone"]]). */
const policedSdl = tasksSdl()
  .replace("federation/v2.5", "federation/v2.6")
  .replace('import: ["@key", "@composeDirective"]', 'import: ["@key", "@composeDirective", "@policy"]')
  .replace("title: String!", 'title: String! @policy(policies: [["everyone"]])');

async function start(plugins: ApolloServerPlugin<BaseContext>[] = [], sdl = tasksSdl()): Promise<Setup> {
  let executions = 0;
  const counting: ApolloServerPlugin<BaseContext> = {
    async requestDidStart() {
      executions += 1;
    },
  };
  const channel = `test:live:${randomUUID()}`;
  const subgraph = await startTasksSubgraph({
    sdl,
    redis,
    channel,
    logger,
    staffRoles: ["STAFF", "ADMIN"],
    plugins: [counting, ...plugins],
  });
  const gateway = await buildGateway({
    supergraphSdl: subgraph.compose(),
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    logger,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    subscriptions: { channel },
    // Lets everyone see, but decides by reading who the viewer is: the answer depends on identity.
    policies: { everyone: ({ viewer }) => typeof viewer?.id === "string" },
  });
  const httpUrl = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
  await gateway.subscriptions.ready();
  const outcomes = async () => {
    const metrics = await (await fetch(httpUrl.replace(/graphql$/, "metrics"))).text();
    return [...metrics.matchAll(/^gateway_subscription_events_total\{[^}]*\} (\d+)$/gm)].reduce(
      (sum, [, count]) => sum + Number(count),
      0,
    );
  };
  return { subgraph, gateway, wsUrl: httpUrl.replace(/^http/, "ws"), outcomes, executions: () => executions };
}

/** Removes the extension from every answer: the gateway sees what an older subgraph would send. */
const withoutExtension: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind === "single")
          delete response.body.singleResult.extensions?.[VIEWER_DEPENDENCE_EXTENSION];
      },
    };
  },
};

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "shared-subscription-executions-test");
  sharing = await start();
  silent = await start([withoutExtension]);
  policed = await start([], policedSdl);
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  for (const setup of [sharing, silent, policed]) {
    await setup?.gateway.close();
    await setup?.subgraph.close();
  }
  await redis?.quit();
});

type TaskEvent = ExecutionResult<{ taskChanged: { id: string; title: string; done: boolean } }>;

/** A viewer with a fresh identity and `role`, subscribed to `task` on `setup`'s gateway, its current state read. */
async function watcher(setup: Setup, task: string, role: string, id: string = randomUUID()) {
  const token = await signAccessToken({ id, role }, TEST_JWT_SECRET);
  const client = createClient({
    url: setup.wsUrl,
    webSocketImpl: WebSocket, // Node 20 has no global WebSocket
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  clients.push(client);
  const events = client.iterate({ query: TASK_CHANGED, variables: { id: task } }) as AsyncIterableIterator<TaskEvent>;
  const initial = await nextOf(events);
  return { id, events, initial };
}

const event = (task: Task): TaskEvent => ({
  data: { taskChanged: { id: task.id, title: task.title, done: task.done } },
});

/**
 * Commits `task`, and once the gateway has resolved it for all `subscribers` (those the event is
 * not for included), returns the next event of each of `receivers` and the executions it cost.
 */
async function commitAndCollect(
  setup: Setup,
  task: Task,
  receivers: ReadonlyArray<{ events: AsyncIterator<TaskEvent> }>,
  subscribers = receivers.length,
) {
  const before = setup.executions();
  const resolved = await setup.outcomes();
  await setup.subgraph.commit(task);
  const received = await Promise.all(receivers.map((w) => nextOf(w.events)));
  await waitFor(
    "the event resolved for every subscriber",
    async () => (await setup.outcomes()) >= resolved + subscribers,
  );
  return { received, executions: setup.executions() - before };
}

describe("one event fanned out to viewers with distinct identities", () => {
  it("runs one execution per event for staff viewers with distinct identities, and every one of them gets it", async () => {
    const task: Task = { id: randomUUID(), ownerId: randomUUID(), title: "shared", done: false };
    sharing.subgraph.tasks.set(task.id, task);
    const staff = await Promise.all(Array.from({ length: 6 }, () => watcher(sharing, task.id, "STAFF")));
    for (const viewer of staff) expect(viewer.initial).toEqual(event(task));

    const first = { ...task, done: true };
    const once = await commitAndCollect(sharing, first, staff);
    expect(once.received).toEqual(staff.map(() => event(first))); // no viewerDependence reaches a client
    expect(once.executions).toBe(1);
    // Decided again for each event, by that event's own execution.
    const second = { ...first, title: "shared, again" };
    const again = await commitAndCollect(sharing, second, staff);
    expect(again.received).toEqual(staff.map(() => event(second)));
    expect(again.executions).toBe(1);
  });

  it("gives a viewer whose role differs an execution of its own", async () => {
    const task: Task = { id: randomUUID(), ownerId: randomUUID(), title: "two classes", done: false };
    sharing.subgraph.tasks.set(task.id, task);
    const viewers = await Promise.all([
      ...Array.from({ length: 3 }, () => watcher(sharing, task.id, "STAFF")),
      ...Array.from({ length: 2 }, () => watcher(sharing, task.id, "ADMIN")),
    ]);
    const changed = { ...task, done: true };
    const { received, executions } = await commitAndCollect(sharing, changed, viewers);
    expect(received).toEqual(viewers.map(() => event(changed)));
    expect(executions).toBe(2);
  });

  it("runs an owner's event as that owner: a customer gets their own task and nothing of another customer's", async () => {
    const alice = randomUUID();
    const bob = randomUUID();
    const task: Task = { id: randomUUID(), ownerId: alice, title: "alice's", done: false };
    sharing.subgraph.tasks.set(task.id, task);
    const aliceWatch = await watcher(sharing, task.id, "CUSTOMER", alice);
    expect(aliceWatch.initial).toEqual(event(task));

    // The task passes to bob: alice's execution reads her id, is refused, and she gets nothing.
    const bobs = { ...task, ownerId: bob, title: "bob's now" };
    expect((await commitAndCollect(sharing, bobs, [], 1)).executions).toBe(1);
    const bobWatch = await watcher(sharing, task.id, "CUSTOMER", bob);
    expect(bobWatch.initial).toEqual(event(bobs));

    // Same role, same document and variables: still one execution each, each with its own answer.
    const secret = { ...bobs, title: "bob's secret" };
    const { received, executions } = await commitAndCollect(sharing, secret, [bobWatch], 2);
    expect(received).toEqual([event(secret)]);
    expect(executions).toBe(2);
    // alice's next event is the one after the task came back to her: she never saw bob's.
    const back = { ...secret, ownerId: alice, title: "alice's again" };
    await sharing.subgraph.commit(back);
    expect(await nextOf(aliceWatch.events)).toEqual(event(back));
  });

  it("treats an answer without viewerDependence as depending on identity: one execution per viewer", async () => {
    const task: Task = { id: randomUUID(), ownerId: randomUUID(), title: "unknown", done: false };
    silent.subgraph.tasks.set(task.id, task);
    const staff = await Promise.all(Array.from({ length: 4 }, () => watcher(silent, task.id, "STAFF")));
    const changed = { ...task, done: true };
    const first = await commitAndCollect(silent, changed, staff);
    expect(first.received).toEqual(staff.map(() => event(changed)));
    expect(first.executions).toBe(4);
    const again = { ...changed, title: "still unknown" };
    const second = await commitAndCollect(silent, again, staff);
    expect(second.received).toEqual(staff.map(() => event(again)));
    expect(second.executions).toBe(4);
  });

  it("treats an answer the gateway decided by the viewer's id (a @policy decider) as depending on identity", async () => {
    const task: Task = { id: randomUUID(), ownerId: randomUUID(), title: "policed", done: false };
    policed.subgraph.tasks.set(task.id, task);
    const staff = await Promise.all(Array.from({ length: 3 }, () => watcher(policed, task.id, "STAFF")));
    for (const viewer of staff) expect(viewer.initial).toEqual(event(task));
    const changed = { ...task, done: true };
    const { received, executions } = await commitAndCollect(policed, changed, staff);
    expect(received).toEqual(staff.map(() => event(changed)));
    expect(executions).toBe(3);
  });
});
