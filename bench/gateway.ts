/**
 * Gateway benchmark (issue: performance). Starts the platform (five subgraphs, workers, our
 * gateway with auth, shield, limits and rate limits on) and a stock @apollo/gateway +
 * @apollo/server on the same subgraphs and supergraph, then, side by side in one run:
 *  1. a heavy nested query across four subgraphs under 50 connections, on both gateways;
 *  2. SQL statements per operation for that query, for 5 and 40 users;
 *  3. a single-subgraph query through our gateway and straight to the subgraph, with variables
 *     that differ between concurrent requests (so in-flight dedupe cannot collapse them), in
 *     alternating rounds; identical requests once more as a separate row, to show what dedupe does;
 *  4. @defer: the heavy query with its entity fields of other subgraphs deferred, time to the first
 *     part and to the last, next to the same query undeferred (one connection);
 *  5. uploads: MB/s and the gateway's RSS while 100 files of 5 MiB stream through it to catalog.
 * Every response is checked against the expected body for its variables. Prints a markdown table
 * and writes it to bench/results/gateway.md.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { IDENTITY_HEADER, signCallerIdentity } from "@fedplat/auth";
import {
  freePort,
  GATEWAY,
  SUBGRAPHS,
  spawnService,
  stopService,
  subgraphUrlOverrides,
  TEST_GATEWAY_KEY,
  TEST_IDENTITY_ENV,
  TEST_JWT_SECRET,
  waitUntilReady,
} from "@fedplat/devkit";
import { type Platform, startPlatform } from "../tests/fixtures/platform";
import { measureDefer } from "./deferTimings";
import { measureUploads, UPLOAD_GATEWAY_ENV, uploadTable } from "./uploadThroughput";
import { fourSubgraphWorkload } from "./gatewayFourSubgraphs";
import {
  average,
  CONNECTIONS,
  type Load,
  load,
  loadDistinct,
  peakRssMb,
  post,
  ROUNDS,
  SECONDS,
  startStockGateway,
} from "./support/load";
import { DEDUPE_OFF, DEDUPE_OFF_LABEL } from "./support/dedupeOff";

/** Warm-up of each single-subgraph path (JIT, pools) before its measured rounds. */
const WARM_UP_SECONDS = 5;
const UNLOADED_SECONDS = 5;

/** users -> orders -> lines -> product, payment, customer, notifications: four subgraphs, four entity levels. */
const HEAVY = /* GraphQL */ `query Heavy($first: Int!) {
  users(first: $first) { edges { node { id email name
    orders(first: 5) { id status totalCents createdAt
      customer { id name }
      lines { quantity unitPriceCents product { id sku name priceCents } }
      payment { state amountCents attempts } }
    notifications(first: 3) { template channel } } } }
}`;
/**
 * HEAVY for 40 users is estimated far over the default cost limit (40 users x 5 orders x 50 lines,
 * each with a product: docs/demand-control.md); the bench measures the gateway's work on it, so
 * demand control only measures.
 */
const BENCH_DEMAND_CONTROL = "measure";
/** HEAVY with each user's orders and notifications (entity fields of two other subgraphs) deferred. */
const HEAVY_DEFERRED = /* GraphQL */ `query HeavyDeferred($first: Int!) {
  users(first: $first) { edges { node { id email name
    ... @defer(label: "activity") {
      orders(first: 5) { id status totalCents createdAt
        customer { id name }
        lines { quantity unitPriceCents product { id sku name priceCents } }
        payment { state amountCents attempts } }
      notifications(first: 3) { template channel } } } } }
}`;
const SINGLE = /* GraphQL */ `query Products { products(first: 20) { edges { node { id sku name priceCents stock } } } }`;
/**
 * The same products(20) page, starting after a different product in each request: more variable
 * sets than connections, so no two requests in flight are identical and in-flight dedupe cannot
 * share a fetch between them. Every page has 20 products.
 */
const PAGE = /* GraphQL */ `query ProductPage($after: String) { products(first: 20, after: $after) { edges { node { id sku name priceCents stock } } } }`;

interface Target {
  name: string;
  url: string;
  pid: number | undefined;
  /** Fresh per round: the stock gateway forwards a signed identity that lives 60 s. */
  headers(): Promise<Record<string, string>>;
}

/** A second fedplat gateway process beside the platform's (same settings as startPlatform's), plus `env`. */
async function startOurGateway(platform: Platform, env: NodeJS.ProcessEnv) {
  const urls = subgraphUrlOverrides((process) => platform.services[process]?.port);
  const gatewayEnv = {
    ...process.env,
    ...urls,
    JWT_SECRET: TEST_JWT_SECRET,
    ...TEST_IDENTITY_ENV,
    LOG_LEVEL: "error",
    NODE_ENV: "test",
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: "100000",
    RATE_LIMIT_USER_PER_MINUTE: "100000",
    // Every bench connection comes from 127.0.0.1: the per-address budget would answer 429.
    RATE_LIMIT_IP_PER_MINUTE: "100000",
    SUBGRAPH_TIMEOUT_MS: "5000",
    TRUSTED_DOCUMENTS: "allow",
    DEMAND_CONTROL_MODE: BENCH_DEMAND_CONTROL,
    CACHE_PREFIX: `bench-${randomUUID()}`,
  };
  const service = spawnService(GATEWAY, { port: await freePort(), env: { ...gatewayEnv, ...env } });
  await waitUntilReady(service, 90_000);
  return { url: `http://127.0.0.1:${service.port}/graphql`, pid: service.child.pid, stop: () => stopService(service) };
}

/** The five platform services (PostgreSQL behind them): returns its section of the results. */
async function platformWorkload(): Promise<string> {
  // The platform's gateway runs without the response cache: the first comparison is gateway work.
  const platform = await startPlatform({
    logLevel: "error",
    gatewayEnv: { RESPONSE_CACHE: "off", DEMAND_CONTROL_MODE: BENCH_DEMAND_CONTROL, ...UPLOAD_GATEWAY_ENV },
  });
  const urlOf = (name: string) => `http://127.0.0.1:${platform.services[name]?.port}/graphql`;
  const stock = await startStockGateway(Object.fromEntries(SUBGRAPHS.map((spec) => [spec.name, urlOf(spec.name)])));
  const noDedupe = await startOurGateway(platform, { RESPONSE_CACHE: "off", ...DEDUPE_OFF });
  const cached = await startOurGateway(platform, { RESPONSE_CACHE: "on", ENTITY_CACHE: "on" });
  try {
    const admin = await platform.login("admin@example.com");
    const me = JSON.parse(
      await post(platform.gatewayUrl, admin, JSON.stringify({ query: /* GraphQL */ "{ me { id role } }" })),
    ) as {
      data: { me: { id: string; role: "ADMIN" } };
    };
    // One identity per subgraph: each accepts only a token signed for it (stockGateway.ts forwards them).
    const signedAdmin = async () =>
      Object.fromEntries(
        await Promise.all(
          SUBGRAPHS.map(async (spec) => [
            `${IDENTITY_HEADER}-${spec.name}`,
            await signCallerIdentity(
              {
                caller: { kind: "gateway" },
                viewer: { id: me.data.me.id, roles: [me.data.me.role], scopes: [], kind: "user" },
              },
              TEST_GATEWAY_KEY,
              spec.name,
            ),
          ]),
        ),
      );
    const targets: Target[] = [
      {
        name: "fedplat gateway, RESPONSE_CACHE=off (auth, shield, limits, rate limits, in-flight dedupe)",
        url: platform.gatewayUrl,
        pid: platform.services.gateway?.child.pid,
        headers: async () => admin,
      },
      {
        name: `fedplat gateway, RESPONSE_CACHE=off, ${DEDUPE_OFF_LABEL}`,
        url: noDedupe.url,
        pid: noDedupe.pid,
        headers: async () => admin,
      },
      {
        name: "fedplat gateway, caching the hints allow (response cache: private, per viewer, renewed by live updates; ENTITY_CACHE=on: public products)",
        url: cached.url,
        pid: cached.pid,
        headers: async () => admin,
      },
      { name: "stock @apollo/gateway + @apollo/server", url: stock.url, pid: stock.pid, headers: signedAdmin },
    ];
    const heavy = JSON.stringify({ query: HEAVY, variables: { first: 10 } });

    // Correctness first: every gateway gives the same data; each run then expects that exact body.
    const bodies = await Promise.all(targets.map(async (target) => post(target.url, await target.headers(), heavy)));
    const data = bodies.map((body) => JSON.stringify(JSON.parse(body).data));
    // (The cached gateway adds its cache status to the response's extensions only, if at all: data must match.)
    if (new Set(data).size !== 1) throw new Error("the gateways disagree on the heavy query's data");

    // SQL statements per operation, by subgraph (measured before any load, so nothing else runs):
    // bounded by the query's depth, not by rows.
    const statementsFor = async (first: number) => {
      const before = await platform.statements();
      await post(platform.gatewayUrl, admin, JSON.stringify({ query: HEAVY, variables: { first } }));
      const after = await platform.statements();
      return Object.fromEntries(Object.keys(after).map((name) => [name, (after[name] ?? 0) - (before[name] ?? 0)]));
    };
    const sql5 = await statementsFor(5);
    const sql40 = await statementsFor(40);

    const runs: Load[][] = targets.map(() => []);
    for (const [i, target] of targets.entries())
      await load(target.url, await target.headers(), heavy, bodies[i] as string); // warm-up: JIT, pools, query plans
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, target] of targets.entries())
        runs[i]?.push(await load(target.url, await target.headers(), heavy, bodies[i] as string, target.pid));
    }
    const results = targets.map((target, i) => ({ ...average(runs[i] ?? []), peakRssMb: peakRssMb(target.pid) }));
    const [ours, oursNoDedupe, oursCached, baseline] = results as [Load, Load, Load, Load];

    // Gateway overhead on a single-subgraph query: through the gateway vs straight to catalog.
    const anonymousIdentity = async () => ({
      [IDENTITY_HEADER]: await signCallerIdentity(
        { caller: { kind: "gateway" }, viewer: null },
        TEST_GATEWAY_KEY,
        "catalog",
      ),
    });
    const firstPages = JSON.parse(
      await post(
        urlOf("catalog"),
        await anonymousIdentity(),
        JSON.stringify({ query: /* GraphQL */ "{ products(first: 100) { edges { cursor } pageInfo { endCursor } } }" }),
      ),
    ) as { data: { products: { edges: Array<{ cursor: string }>; pageInfo: { endCursor: string } } } };
    const secondPage = JSON.parse(
      await post(
        urlOf("catalog"),
        await anonymousIdentity(),
        JSON.stringify({
          query: /* GraphQL */ "query($after: String) { products(first: 100, after: $after) { edges { cursor } } }",
          variables: { after: firstPages.data.products.pageInfo.endCursor },
        }),
      ),
    ) as { data: { products: { edges: Array<{ cursor: string }> } } };
    const cursors = [...firstPages.data.products.edges, ...secondPage.data.products.edges].map((edge) => edge.cursor);
    // After each of the first (products - 20) products: a full page of 20 every time.
    const pageBodies = [null, ...cursors.slice(0, cursors.length - 20)].map((after) =>
      JSON.stringify({ query: PAGE, variables: { after } }),
    );
    if (pageBodies.length <= CONNECTIONS)
      throw new Error(
        `only ${pageBodies.length} distinct pages for ${CONNECTIONS} connections: in-flight dedupe could collapse them`,
      );
    const singleTargets = [
      {
        name: "through the fedplat gateway, RESPONSE_CACHE=off (in-flight dedupe on, nothing to share)",
        url: platform.gatewayUrl,
        pid: platform.services.gateway?.child.pid,
        headers: async () => ({}),
      },
      {
        name: `through the fedplat gateway, RESPONSE_CACHE=off, ${DEDUPE_OFF_LABEL}`,
        url: noDedupe.url,
        pid: noDedupe.pid,
        headers: async () => ({}),
      },
      {
        name: "straight to the catalog subgraph",
        url: urlOf("catalog"),
        pid: platform.services.catalog?.child.pid,
        headers: anonymousIdentity,
      },
    ];
    // Expected answers, asked of every path: they must agree page by page.
    const pageAnswers = await Promise.all(
      singleTargets.map(async (target) => {
        const headers = await target.headers();
        const answers: string[] = [];
        for (const body of pageBodies) answers.push(await post(target.url, headers, body));
        return answers;
      }),
    );
    for (const [i, body] of pageBodies.entries()) {
      if (new Set(pageAnswers.map((answers) => JSON.stringify(JSON.parse(answers[i] as string).data))).size !== 1)
        throw new Error(`the paths disagree on ${body}`);
    }
    for (const [i, target] of singleTargets.entries())
      await loadDistinct(
        target.url,
        await target.headers(),
        pageBodies,
        pageAnswers[i] as string[],
        undefined,
        CONNECTIONS,
        WARM_UP_SECONDS,
      );
    const singleRounds: Load[][] = singleTargets.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, target] of singleTargets.entries())
        singleRounds[i]?.push(
          await loadDistinct(target.url, await target.headers(), pageBodies, pageAnswers[i] as string[], target.pid),
        );
    }
    const singleRuns = singleRounds.map((runs) => average(runs));
    const [viaGateway, viaGatewayNoDedupe, direct] = singleRuns as [Load, Load, Load];
    // Identical concurrent requests, once: what in-flight dedupe does when there is something to share.
    const single = JSON.stringify({ query: SINGLE });
    const identicalBody = await post(platform.gatewayUrl, {}, single);
    const identical = await load(platform.gatewayUrl, {}, single, identicalBody, platform.services.gateway?.child.pid);
    // Unloaded latency: one connection, so the figures are a request's own time, not queueing.
    const unloadedGateway = await loadDistinct(
      platform.gatewayUrl,
      {},
      pageBodies,
      pageAnswers[0] as string[],
      undefined,
      1,
      UNLOADED_SECONDS,
    );
    const unloadedDirect = await loadDistinct(
      urlOf("catalog"),
      await anonymousIdentity(),
      pageBodies,
      pageAnswers[2] as string[],
      undefined,
      1,
      UNLOADED_SECONDS,
    );

    // @defer (docs/defer.md): what a client waits for the first part and for the last, unloaded.
    const deferTimings = await measureDefer(platform.gatewayUrl, admin, HEAVY_DEFERRED, HEAVY, { first: 10 });
    // File uploads (docs/uploads.md), last: 500 MB streamed through the gateway to catalog.
    const uploads = await measureUploads(platform);

    const f = (n: number) => (Number.isFinite(n) ? n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2) : "n/a");
    const row = (name: string, r: Load) =>
      `| ${name} | ${f(r.rps)} | ${f(r.p50)} | ${f(r.p99)} | ${r.errors} | ${f(r.cpuMsPerRequest ?? Number.NaN)} | ${r.peakRssMb === undefined ? "" : f(r.peakRssMb)} |`;
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    const table = [
      `## Five platform services, PostgreSQL behind them (${new Date().toISOString()}, ${CONNECTIONS} connections, ${ROUNDS} x ${SECONDS} s per gateway, alternating, 2-core machine)`,
      "",
      "Heavy query: users(10) -> orders(5) -> lines -> product, payment, customer, notifications (accounts, orders, catalog, payments, notifications). Every response checked against the expected body; all gateways return the same data.",
      "",
      "| gateway | req/s | p50 ms | p99 ms | errors | gateway CPU ms/request | peak RSS MB |",
      "|---|---|---|---|---|---|---|",
      ...targets.map((target, i) => row(target.name, results[i] as Load)),
      "",
      `Throughput ratio ours (no response cache) / stock: **${ratio(ours.rps, baseline.rps)}** (dedupe off too: ${ratio(oursNoDedupe.rps, baseline.rps)}; target >= 2). p99 ours / stock: **${ratio(ours.p99, baseline.p99)}** (dedupe off too: ${ratio(oursNoDedupe.p99, baseline.p99)}; target <= 1).`,
      `With the caching the hints allow (response cache and entity cache): **${ratio(oursCached.rps, baseline.rps)}x** the stock gateway (target >= 10).`,
      "",
      "SQL statements for one heavy query, by subgraph:",
      "",
      `| users | ${Object.keys(sql5).join(" | ")} | total |`,
      `|---|${Object.keys(sql5)
        .map(() => "---|")
        .join("")}---|`,
      `| 5 | ${Object.values(sql5).join(" | ")} | ${Object.values(sql5).reduce((a, b) => a + b, 0)} |`,
      `| 40 | ${Object.values(sql40).join(" | ")} | ${Object.values(sql40).reduce((a, b) => a + b, 0)} |`,
      "",
      `Single-subgraph query: products(first: 20, after: $after), ${pageBodies.length} different pages round-robin (no two requests in flight are identical), ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s:`,
      "",
      "| path | req/s | p50 ms | p99 ms | errors | CPU ms/request of the process answering | |",
      "|---|---|---|---|---|---|---|",
      ...singleTargets.map((target, i) => row(target.name, singleRuns[i] as Load)),
      row(
        "through the fedplat gateway, identical requests (products(20), in-flight dedupe shares fetches; one round)",
        identical,
      ),
      "",
      `Gateway overhead, direct / gateway req/s: **${ratio(direct.rps, viaGateway.rps)}x** (dedupe off: ${ratio(direct.rps, viaGatewayNoDedupe.rps)}x; target <= 2).`,
      `Unloaded (1 connection, ${UNLOADED_SECONDS} s): p50 ${f(unloadedGateway.p50)} ms through the gateway (${f(unloadedGateway.rps)} req/s), ${f(unloadedDirect.p50)} ms straight to catalog (${f(unloadedDirect.rps)} req/s); errors ${unloadedGateway.errors + unloadedDirect.errors}.`,
      "",
      `@defer: the heavy query with each user's orders and notifications (orders and notifications subgraphs) deferred, 1 connection, ${deferTimings.requests} requests, p50 (every answer merged and checked against the whole one):`,
      "",
      "| response | p50 ms |",
      "|---|---|",
      `| undeferred, whole | ${f(deferTimings.whole)} |`,
      `| deferred, first part | ${f(deferTimings.firstPart)} |`,
      `| deferred, last part | ${f(deferTimings.lastPart)} |`,
      "",
      "Uploads: product images through the gateway (multipart request, streamed to catalog):",
      "",
      ...uploadTable(uploads),
      "",
    ].join("\n");
    return table;
  } finally {
    stock.stop();
    await noDedupe.stop();
    await cached.stop();
    await platform.stop();
  }
}

/** The workloads, in the order their sections appear in bench/results/gateway.md. */
const WORKLOADS: Record<string, () => Promise<string>> = {
  "four-subgraphs": fourSubgraphWorkload,
  platform: platformWorkload,
};
/** Sections of the results file, in order: the four-subgraph workload keeps a run of the compiled gateway apart. */
const SECTIONS = ["four-subgraphs", "four-subgraphs-dist", "platform"];
/** The section a workload's run writes: BENCH_GATEWAY_BUILD=dist runs of the four-subgraph one have their own. */
const sectionOf = (workload: string) =>
  workload === "four-subgraphs" && process.env.BENCH_GATEWAY_BUILD === "dist" ? "four-subgraphs-dist" : workload;
const RESULTS = join(__dirname, "results", "gateway.md");
const marker = (name: string) => `<!-- bench/gateway.ts: ${name} -->`;

/**
 * The sections of the results file by workload. A file written before sections existed holds the
 * platform workload alone.
 */
function sectionsOf(text: string): Record<string, string> {
  const sections: Record<string, string> = {};
  const parts = text.split(/^<!-- bench\/gateway\.ts: ([\w-]+) -->\n/m);
  if (parts.length === 1)
    return text.trim() ? { platform: text.replace(/^# Gateway/, "## Five platform services") } : {};
  for (let i = 1; i < parts.length; i += 2) sections[parts[i] as string] = parts[i + 1] ?? "";
  return sections;
}

/**
 * `npm run bench -- gateway` runs every workload; BENCH_GATEWAY_WORKLOADS=four-subgraphs (comma-separated
 * names) runs only those, and the results file keeps the last sections of the others (and of the
 * other build of the four-subgraph workload).
 */
async function main(): Promise<void> {
  const selected = (process.env.BENCH_GATEWAY_WORKLOADS ?? Object.keys(WORKLOADS).join(","))
    .split(",")
    .map((name) => name.trim());
  const unknown = selected.find((name) => !(name in WORKLOADS));
  if (unknown)
    throw new Error(`BENCH_GATEWAY_WORKLOADS: no workload "${unknown}" (${Object.keys(WORKLOADS).join(", ")})`);
  const sections = existsSync(RESULTS) ? sectionsOf(readFileSync(RESULTS, "utf8")) : {};
  for (const name of selected) {
    const section = await (WORKLOADS[name] as () => Promise<string>)();
    console.log(section);
    sections[sectionOf(name)] = `${section.trimEnd()}\n\n`;
  }
  const body = SECTIONS.filter((name) => sections[name])
    .map((name) => `${marker(name)}\n${sections[name]}`)
    .join("");
  writeFileSync(RESULTS, `# Gateway\n\n${body}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
