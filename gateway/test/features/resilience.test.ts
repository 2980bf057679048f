import net from "node:net";
import { createLogger, createMetrics } from "@fedplat/runtime";
import { createResilienceFeature, defaultResilience, type ResiliencePolicy } from "../../src/features/resilience";
import { SubgraphTimeoutError } from "../../src/transport/fetchErrors";
import { httpFetch } from "../../src/transport/pipeline";
import type { SubgraphFetch } from "../../src/transport/subgraphRequest";
import { startStandIn, subgraphRequest } from "./subgraphRequests";

const policy: ResiliencePolicy = {
  ...defaultResilience,
  retryBaseDelayMs: 5,
  errorThresholdPercent: 50,
  windowMs: 60_000,
  resetMs: 60_000,
  minRequests: 100,
  queryRetries: 1,
};
let refusingUrl: string;
let standIn: Awaited<ReturnType<typeof startStandIn>>;

beforeAll(async () => {
  // A port nothing listens on: every connection is refused (fetch's TypeError).
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  refusingUrl = `http://127.0.0.1:${(closed.address() as net.AddressInfo).port}/graphql`;
  await new Promise((resolve) => closed.close(resolve));
  // "/graphql?slow" answers after 2 s; anything else answers 503.
  standIn = await startStandIn((_body, req, res) => {
    if (req.url?.endsWith("?slow")) setTimeout(() => res.end("{}"), 2_000).unref();
    else res.writeHead(503, { "content-type": "application/json" }).end('{"errors":[{"message":"down"}]}');
  });
});
afterAll(() => standIn.close());

function start(overrides: Partial<ResiliencePolicy> = {}, timeoutMs = 5_000) {
  const metrics = createMetrics("gateway");
  const feature = createResilienceFeature({
    subgraphs: ["catalog"],
    policy: { ...policy, ...overrides },
    timeoutOf: () => timeoutMs,
    logger: createLogger("resilience-feature-test", "silent"),
    registry: metrics.registry,
  });
  const wrap = feature.wrapSubgraphFetch;
  if (!wrap) throw new Error("resilience wraps subgraph fetches");
  const outcomes = async (outcome: string) =>
    Number(
      new RegExp(
        `^gateway_subgraph_fetch_duration_seconds_count\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)$`,
        "m",
      ).exec(await metrics.registry.metrics())?.[1] ?? 0,
    );
  // Counts what reaches HTTP: each attempt, retries included.
  const attempts = { count: 0 };
  const counted: SubgraphFetch = (request) => {
    attempts.count += 1;
    return httpFetch(request);
  };
  const metric = async (pattern: RegExp) => Number(pattern.exec(await metrics.registry.metrics())?.[1] ?? 0);
  return { feature, fetch: wrap(counted), outcomes, attempts, metric };
}

describe("resilience feature", () => {
  it("sends a query once more after a connection failure, and a mutation (kind from the parsed document) never", async () => {
    const { feature, fetch, outcomes, attempts } = start();
    await expect(
      fetch(subgraphRequest(refusingUrl, /* GraphQL */ "query Q { products { id } }")),
    ).rejects.toMatchObject({ name: "TypeError" });
    expect(attempts.count).toBe(2);
    await expect(
      fetch(subgraphRequest(refusingUrl, /* GraphQL */ "mutation M { placeOrder { id } }")),
    ).rejects.toMatchObject({ name: "TypeError" });
    expect(attempts.count).toBe(3);
    expect(await outcomes("error")).toBe(2);
    await feature.close?.();
  });

  it("gives up at the subgraph's deadline with a timeout that carries it", async () => {
    const { feature, fetch, outcomes } = start({}, 100);
    const failure = await fetch(subgraphRequest(`${standIn.url}?slow`, /* GraphQL */ "{ products { id } }")).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SubgraphTimeoutError);
    expect(failure).toMatchObject({ name: "TimeoutError", timeoutMs: 100 });
    expect(await outcomes("timeout")).toBe(1);
    await feature.close?.();
  });

  it("passes a 5xx answer on, counts it against the circuit, and fails fast once the circuit opens", async () => {
    const { feature, fetch, outcomes, attempts } = start({ minRequests: 2, queryRetries: 0 });
    expect((await fetch(subgraphRequest(standIn.url, /* GraphQL */ "{ a }"))).status).toBe(503);
    expect((await fetch(subgraphRequest(standIn.url, /* GraphQL */ "{ a }"))).status).toBe(503);
    expect(feature.report?.()).toEqual({ subgraphs: { catalog: "open" } });
    await expect(fetch(subgraphRequest(standIn.url, /* GraphQL */ "{ a }"))).rejects.toMatchObject({
      code: "EOPENBREAKER",
    });
    expect(attempts.count).toBe(2);
    expect(await outcomes("circuit_open")).toBe(1);
    await feature.close?.();
  });

  it("retries a query answered 502, 503 and 504 until the subgraph answers, counting it once in the circuit", async () => {
    const flaky = await startFlaky([502, 503, 504]);
    // minRequests 1: had each failed attempt counted, 3 failures of 4 would open the circuit.
    const { feature, fetch, attempts, metric } = start({ queryRetries: 3, minRequests: 1 });
    const response = await fetch(subgraphRequest(flaky.url, /* GraphQL */ "{ a }"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { a: 1 } });
    expect(attempts.count).toBe(4);
    expect(feature.report?.()).toEqual({ subgraphs: { catalog: "closed" } });
    for (const reason of ["http_502", "http_503", "http_504"])
      expect(
        await metric(new RegExp(`^gateway_subgraph_retries_total\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)$`, "m")),
      ).toBe(1);
    await feature.close?.();
    await flaky.close();
  });

  it("gives up after queryRetries and passes the last answer on; a mutation answered 503 is not retried", async () => {
    const flaky = await startFlaky([503, 503, 503, 503, 503]);
    const { feature, fetch, attempts } = start({ queryRetries: 2 });
    expect((await fetch(subgraphRequest(flaky.url, /* GraphQL */ "{ a }"))).status).toBe(503);
    expect(attempts.count).toBe(3);
    expect((await fetch(subgraphRequest(flaky.url, /* GraphQL */ "mutation { a }"))).status).toBe(503);
    expect(attempts.count).toBe(4);
    await feature.close?.();
    await flaky.close();
  });

  it("waits out a 429's Retry-After, and passes on one that asks for longer than retryAfterMaxMs", async () => {
    const flaky = await startFlaky([429, 429], { "retry-after": "1" });
    const { feature, fetch, attempts } = start({ queryRetries: 2, retryAfterMaxMs: 1_500 });
    const started = performance.now();
    expect((await fetch(subgraphRequest(flaky.url, /* GraphQL */ "{ a }"))).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_950);
    expect(attempts.count).toBe(3);
    expect(flaky.gapsMs().every((gap) => gap >= 950)).toBe(true);
    await feature.close?.();
    await flaky.close();

    const patient = await startFlaky([429], { "retry-after": "30" });
    const strict = start({ retryAfterMaxMs: 1_500 });
    expect((await strict.fetch(subgraphRequest(patient.url, /* GraphQL */ "{ a }"))).status).toBe(429);
    expect(strict.attempts.count).toBe(1);
    await strict.feature.close?.();
    await patient.close();
  });

  it("does not retry past the fetch's time limit", async () => {
    const flaky = await startFlaky([503], { "retry-after": "1" });
    const { feature, fetch, attempts } = start({}, 500);
    const started = performance.now();
    expect((await fetch(subgraphRequest(flaky.url, /* GraphQL */ "{ a }"))).status).toBe(503);
    expect(performance.now() - started).toBeLessThan(500);
    expect(attempts.count).toBe(1);
    await feature.close?.();
    await flaky.close();
  });

  it("stops retrying a subgraph that fails everything once its retry budget is used up", async () => {
    const down = await startFlaky(new Array(100).fill(503));
    const { feature, fetch, attempts, metric } = start({
      queryRetries: 2,
      retryBudgetPercent: 10,
      retryBudgetMinRetries: 2,
    });
    for (let i = 0; i < 20; i++) await fetch(subgraphRequest(down.url, /* GraphQL */ "{ a }"));
    // 20 fetches: at most max(2, 10% of 20) = 2 retries, where unbudgeted retries would have sent 40.
    expect(attempts.count).toBe(22);
    expect(await metric(/^gateway_subgraph_retries_total\{[^}]*\} (\d+)$/m)).toBe(2);
    expect(await metric(/^gateway_subgraph_retry_budget_exhausted_total\{[^}]*\} (\d+)$/m)).toBe(19);
    await feature.close?.();
    await down.close();
  });
});

/** A subgraph that answers `statuses` (with `headers`) to its first requests, then `{ data: { a: 1 } }`. */
async function startFlaky(statuses: number[], headers: Record<string, string> = {}) {
  const arrivals: number[] = [];
  const standIn = await startStandIn((_body, _req, res) => {
    const status = statuses[arrivals.length];
    arrivals.push(performance.now());
    if (status === undefined) res.writeHead(200, { "content-type": "application/json" }).end('{"data":{"a":1}}');
    else
      res.writeHead(status, { "content-type": "application/json", ...headers }).end('{"errors":[{"message":"busy"}]}');
  });
  return {
    ...standIn,
    /** Time between consecutive requests. */
    gapsMs: () => arrivals.slice(1).map((at, i) => at - (arrivals[i] ?? at)),
  };
}
