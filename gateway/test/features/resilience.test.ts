import net from "node:net";
import { createLogger, createMetrics } from "@fedplat/runtime";
import { createResilienceFeature, type ResiliencePolicy } from "../../src/features/resilience";
import { SubgraphTimeoutError } from "../../src/transport/fetchErrors";
import { httpFetch } from "../../src/transport/pipeline";
import type { SubgraphFetch } from "../../src/transport/subgraphRequest";
import { startStandIn, subgraphRequest } from "./subgraphRequests";

const policy: ResiliencePolicy = {
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
  return { feature, fetch: wrap(counted), outcomes, attempts };
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
});
