import type { Logger } from "@fedplat/runtime";
import CircuitBreaker from "opossum";
import { Gauge, type Registry } from "prom-client";
import type { FetcherResponse } from "../../transport/subgraphFetch";
import type { RetryBudgetPolicy } from "./retryBudget";
import type { RetryDelayPolicy } from "./retryDelay";

/** How the gateway protects itself from a failing subgraph. Every field has an environment variable (config.ts). */
export interface ResiliencePolicy extends RetryDelayPolicy, RetryBudgetPolicy {
  /** Share of failed fetches in the window that opens a subgraph's circuit. @default 50 */
  errorThresholdPercent: number;
  /** The rolling window failures are counted over. @default 60_000 */
  windowMs: number;
  /** How long an open circuit fails fast before one probe fetch is let through (half-open). @default 30_000 */
  resetMs: number;
  /** Fetches in the window before the circuit may open, so one early failure does not open it. @default 5 */
  minRequests: number;
  /**
   * Extra attempts of a query fetch after a connection failure or a 502, 503, 504 or 429 answer;
   * mutations are never retried. @default 2
   */
  queryRetries: number;
}

export const defaultResilience: ResiliencePolicy = {
  errorThresholdPercent: 50,
  windowMs: 60_000,
  resetMs: 30_000,
  minRequests: 5,
  queryRetries: 2,
  retryBaseDelayMs: 50,
  retryMaxDelayMs: 1_000,
  retryAfterMaxMs: 2_000,
  retryBudgetPercent: 10,
  retryBudgetMinRetries: 10,
  retryBudgetWindowMs: 10_000,
};

export type CircuitState = "closed" | "open" | "half-open";

/** A circuit breaker around one subgraph's fetches: `fire(fn)` runs `fn` unless the circuit is open. */
export type SubgraphBreaker = CircuitBreaker<[() => Promise<FetcherResponse>], FetcherResponse>;

const STATE_VALUE: Record<CircuitState, number> = { closed: 0, "half-open": 1, open: 2 };

export interface SubgraphBreakers {
  of(subgraph: string): SubgraphBreaker;
  /** Each subgraph's circuit, for the readiness report. */
  states(): Record<string, CircuitState>;
  shutdown(): void;
}

const stateOf = (breaker: SubgraphBreaker): CircuitState =>
  breaker.opened ? "open" : breaker.halfOpen ? "half-open" : "closed";

/**
 * One opossum circuit breaker per subgraph (opossum: the Node.js circuit breaker most used and
 * kept up to date). The timeout is not opossum's: the fetch itself is aborted at the deadline,
 * so a timed-out request does not keep a socket busy.
 */
export function createSubgraphBreakers(
  subgraphs: readonly string[],
  policy: ResiliencePolicy,
  logger: Logger,
  registry?: Registry,
): SubgraphBreakers {
  const breakers = new Map<string, SubgraphBreaker>();
  const create = (subgraph: string): SubgraphBreaker => {
    const buckets = 10;
    const breaker: SubgraphBreaker = new CircuitBreaker((fn: () => Promise<FetcherResponse>) => fn(), {
      name: subgraph,
      timeout: false,
      // opossum opens when the failure rate is strictly above the threshold; the policy says "at".
      errorThresholdPercentage: policy.errorThresholdPercent - 1e-9,
      rollingCountTimeout: Math.ceil(policy.windowMs / buckets) * buckets,
      rollingCountBuckets: buckets,
      resetTimeout: policy.resetMs,
      volumeThreshold: policy.minRequests,
    });
    breaker.on("open", () =>
      logger.warn({ subgraph, retryInMs: policy.resetMs }, "subgraph circuit opened: failing fast"),
    );
    breaker.on("halfOpen", () => logger.info({ subgraph }, "subgraph circuit half-open: probing"));
    breaker.on("close", () => logger.info({ subgraph }, "subgraph circuit closed: subgraph answers again"));
    breakers.set(subgraph, breaker);
    return breaker;
  };
  for (const subgraph of subgraphs) create(subgraph);
  if (registry) {
    new Gauge({
      name: "gateway_subgraph_circuit_state",
      help: "Circuit breaker state per subgraph: 0 closed, 1 half-open, 2 open",
      labelNames: ["subgraph"] as const,
      registers: [registry],
      collect() {
        for (const [subgraph, breaker] of breakers) this.set({ subgraph }, STATE_VALUE[stateOf(breaker)]);
      },
    });
  }
  return {
    // A subgraph a later supergraph adds (hot reload) gets its breaker on its first fetch.
    of: (subgraph) => breakers.get(subgraph) ?? create(subgraph),
    states: () => Object.fromEntries([...breakers].map(([subgraph, breaker]) => [subgraph, stateOf(breaker)])),
    shutdown: () => {
      for (const breaker of breakers.values()) breaker.shutdown();
    },
  };
}
