/**
 * `@defer` in subscriptions, and what it costs a subscription without it: CPU per event of one
 * gateway (in this process, with its two subgraphs and the subscribers' sockets) fanning each
 * event out to N graphql-ws subscribers of one identity (one shared execution per event), this
 * checkout's gateway side by side with a base revision's (default `main`), run in alternating child
 * processes. CPU time (process.cpuUsage), not latency: the 2 cores are shared, so wall times are noise.
 * Rows: a document without @defer (whole events), the same with its other-subgraph field deferred
 * (the base ignores @defer and sends it whole). Prints a markdown table with the ratios.
 *
 * BENCH_BASE (git revision, default main), BENCH_SUBSCRIBERS (200), BENCH_EVENTS (40), BENCH_ROUNDS (3).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { signAccessToken } from "@fedplat/auth";
import { TEST_GATEWAY_KEY, TEST_JWT_SECRET, waitFor } from "@fedplat/devkit";
import { createLogger, createRedis } from "@fedplat/runtime";
import WebSocket from "ws";

const ROOT = join(__dirname, "..");
const BASE = process.env.BENCH_BASE ?? "main";
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 200);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const DOCUMENTS = {
  whole: /* GraphQL */ "subscription($id: ID!) { taskChanged(taskId: $id) { id title assignee } }",
  deferred: /* GraphQL */ `subscription($id: ID!) { taskChanged(taskId: $id) { id title ... @defer(label: "planning") { assignee } } }`,
};
type Scenario = keyof typeof DOCUMENTS;

/** One child: a gateway built from `gatewaySrc`, one scenario; prints CPU µs per event as JSON. */
async function child(gatewaySrc: string, scenario: Scenario): Promise<void> {
  const { buildGateway, accountsIdentity, defaultLimits, defaultSubscriptionLimits } = (await import(
    join(gatewaySrc, "index.ts")
  )) as typeof import("../gateway/src");
  const { startTasksSubgraph, tasksSdl } = await import("../gateway/test/fixtures/tasksSubgraph");
  const { startPlanningSubgraph, PLANNING_SDL } = await import("../gateway/test/fixtures/planningSubgraph");
  const { composeSubgraphs } = await import("@fedplat/tools");
  const logger = createLogger("bench", "silent");
  const redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "bench-subscription-parts");
  const channel = `bench:live:${randomUUID()}`;
  const tasks = await startTasksSubgraph({ sdl: tasksSdl(), redis, channel, logger });
  const planning = await startPlanningSubgraph(logger);
  const gateway = await buildGateway({
    supergraphSdl: composeSubgraphs([
      { name: "tasks", url: tasks.url, sdl: tasksSdl() },
      { name: "planning", url: planning.url, sdl: PLANNING_SDL },
    ]).supergraphSdl,
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    logger,
    limits: {
      ...defaultLimits,
      rate: { ...defaultLimits.rate, ipPerMinute: 100_000, keyPrefix: `bench:${randomUUID()}` },
    },
    subscriptions: { channel, limits: { ...defaultSubscriptionLimits, maxConnectionsPerUser: SUBSCRIBERS } },
  });
  const wsUrl = `ws://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
  await gateway.subscriptions.ready();

  const ownerId = randomUUID();
  const token = await signAccessToken({ id: ownerId, role: "CUSTOMER" }, TEST_JWT_SECRET);
  const task = { id: randomUUID(), ownerId, title: "t0", done: false };
  tasks.tasks.set(task.id, task);
  planning.assignees.set(task.id, "ada");
  let messages = 0;
  /** Messages per event: 2 when the gateway delivers the deferred part apart (the initial state tells). */
  let perEventMessages = 1;
  const sockets = await Promise.all(
    Array.from({ length: SUBSCRIBERS }, async () => {
      const socket = new WebSocket(wsUrl, "graphql-transport-ws");
      await new Promise<void>((resolve, reject) => {
        socket.on("open", () =>
          socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })),
        );
        socket.on("message", (data) => {
          const message = JSON.parse(String(data)) as { type: string; payload?: { hasNext?: boolean } };
          if (message.type === "connection_ack")
            socket.send(
              JSON.stringify({
                id: "1",
                type: "subscribe",
                payload: { query: DOCUMENTS[scenario], variables: { id: task.id } },
              }),
            );
          else if (message.type === "next") {
            messages += 1;
            if (message.payload?.hasNext) perEventMessages = 2;
            if (message.payload?.hasNext !== true) resolve(); // the initial state's last part
          } else if (message.type === "error") reject(new Error(JSON.stringify(message)));
        });
        socket.on("error", reject);
      });
      return socket;
    }),
  );
  // Each event is one message, or two with @defer on this checkout (one when the base ignores it):
  // the next event is published once every part of this one has arrived at every subscriber.
  const perEvent = async () => {
    const expected = messages + SUBSCRIBERS * perEventMessages;
    await tasks.commit({ ...task, title: `t${randomUUID()}` });
    await waitFor("the event at every subscriber", () => messages >= expected, 60_000, 1);
  };
  for (let i = 0; i < 5; i += 1) await perEvent(); // warm-up
  const before = messages;
  const start = process.cpuUsage();
  for (let i = 0; i < EVENTS; i += 1) await perEvent();
  const cpu = process.cpuUsage(start);
  process.stdout.write(
    `${JSON.stringify({ cpuPerEventUs: (cpu.user + cpu.system) / EVENTS, partsPerEvent: (messages - before) / EVENTS / SUBSCRIBERS })}\n`,
  );
  for (const socket of sockets) socket.close();
  await gateway.close();
  await planning.close();
  await tasks.close();
  await redis.quit();
}

function run(gatewaySrc: string, scenario: Scenario): { cpuPerEventUs: number; partsPerEvent: number } {
  const result = spawnSync(process.execPath, ["--import", "tsx", __filename, "--child", gatewaySrc, scenario], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (result.status !== 0) throw new Error(`child failed (${result.status}): ${result.stdout}`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}");
}

async function main(): Promise<void> {
  // The base revision's gateway/src, beside this checkout's node_modules (gateway/node_modules
  // first, as for gateway/src itself), so only the gateway's own code differs.
  const baseDir = join(ROOT, "gateway", "node_modules", ".cache", "bench-base");
  rmSync(baseDir, { recursive: true, force: true });
  mkdirSync(baseDir, { recursive: true });
  execFileSync("sh", ["-c", `git archive ${BASE} gateway/src | tar -x -C "${baseDir}"`], { cwd: ROOT });
  const revisions = { base: join(baseDir, "gateway", "src"), branch: join(ROOT, "gateway", "src") };
  const samples: Record<string, number[]> = {};
  const parts: Record<string, number> = {};
  for (let round = 0; round < ROUNDS; round += 1)
    for (const scenario of Object.keys(DOCUMENTS) as Scenario[])
      for (const [revision, src] of Object.entries(revisions)) {
        const key = `${scenario}/${revision}`;
        const measured = run(src, scenario);
        samples[key] = [...(samples[key] ?? []), measured.cpuPerEventUs];
        parts[key] = measured.partsPerEvent;
        process.stderr.write(`${key}: ${(measured.cpuPerEventUs / 1000).toFixed(2)} ms CPU per event\n`);
      }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const ms = (key: string) => median(samples[key] ?? []) / 1000;
  const rows = (Object.keys(DOCUMENTS) as Scenario[]).map((scenario) => {
    const base = ms(`${scenario}/base`);
    const branch = ms(`${scenario}/branch`);
    return `| ${scenario === "whole" ? "no `@defer`" : "`@defer` on the other subgraph's field"} | ${parts[`${scenario}/base`]} | ${parts[`${scenario}/branch`]} | ${base.toFixed(2)} ms | ${branch.toFixed(2)} ms | ${(branch / base).toFixed(3)} |`;
  });
  const table = [
    `CPU per event (median of ${ROUNDS} runs of ${EVENTS} events), ${SUBSCRIBERS} graphql-ws subscribers of one identity, gateway + subgraphs + sockets in one process; base = ${BASE}`,
    "",
    `| document | messages per event, ${BASE} | messages per event, this checkout | CPU per event, ${BASE} | CPU per event, this checkout | ratio |`,
    "|---|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    `@defer vs none, this checkout: ${(ms("deferred/branch") / ms("whole/branch")).toFixed(3)}x CPU per event`,
    `Load average when the run ended (the 2 cores are shared with other work): ${loadavg()
      .map((load) => load.toFixed(1))
      .join(", ")}.`,
    "",
  ].join("\n");
  process.stdout.write(table);
  writeFileSync(
    join(ROOT, "bench", "results", "subscriptionParts.md"),
    `# @defer in subscriptions (${new Date().toISOString().slice(0, 10)})\n\n${table}`,
  );
}

const [flag, gatewaySrc, scenario] = process.argv.slice(2);
(flag === "--child" && gatewaySrc && scenario ? child(gatewaySrc, scenario as Scenario) : main()).catch(
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
