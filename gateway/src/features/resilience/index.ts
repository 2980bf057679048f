import type { Logger } from "@fedplat/runtime";
import { Counter, Histogram, type Registry } from "prom-client";
import type { GatewayFeature } from "../../feature";
import { isCircuitOpen, isConnectionFailure, isTimeout, SubgraphTimeoutError } from "../../transport/fetchErrors";
import type { FetcherResponse } from "../../transport/subgraphFetch";
import type { SubgraphFetch } from "../../transport/subgraphRequest";
import { RetryBudget } from "./retryBudget";
import { backoffMs, retryAfterMs } from "./retryDelay";
import { createSubgraphBreakers, type ResiliencePolicy } from "./subgraphBreakers";

export {
  type CircuitState,
  createSubgraphBreakers,
  defaultResilience,
  type ResiliencePolicy,
  type SubgraphBreakers,
} from "./subgraphBreakers";

export interface ResilienceFeatureOptions {
  /** Every subgraph of the supergraph: one circuit each. */
  subgraphs: readonly string[];
  policy: ResiliencePolicy;
  /** Time limit of a fetch to this subgraph, its retries included. */
  timeoutOf(subgraph: string): number;
  logger: Logger;
  registry: Registry;
}

/** How one subgraph fetch ended, for the fetch metrics. */
export type FetchOutcome = "ok" | "error" | "timeout" | "circuit_open";

/** Answers that say "try again": overloaded or restarting (a proxy's 502/504, a draining 503, a 429). */
const RETRIED_STATUSES = new Set([429, 502, 503, 504]);

/** A 5xx answer: a failure for the circuit, but still the response the gateway reports from. */
class ServerErrorResponse extends Error {
  constructor(readonly response: FetcherResponse) {
    super(`HTTP ${response.status}`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A signal that aborts with a TimeoutError (as AbortSignal.timeout's) after `ms`, and a `clear` for
 * when the attempt is over. AbortSignal.timeout cannot be cleared: the timer of every fetch ever
 * sent stayed pending for the whole time limit and then fired, building a DOMException and
 * dispatching an abort nobody listened to any more, with a weak reference per signal to collect.
 */
function attemptDeadline(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")),
    ms,
  );
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/**
 * Each fetch goes through its subgraph's circuit breaker (opossum) once, retries included, so a
 * fetch that succeeds on a retry is one success and one that fails every attempt one failure.
 * A query (never a mutation: re-sending one could apply it twice) is sent again after a
 * connection failure or a 502/503/504/429 answer, after exponential backoff with jitter or the
 * answer's `Retry-After` (up to `retryAfterMaxMs`; longer, the answer is passed on), while the
 * subgraph's retry budget (retryBudget.ts) allows and within the fetch's time limit, which
 * covers all attempts. Metrics: `gateway_subgraph_fetch_duration_seconds{subgraph,outcome}`
 * (its count is the fetch rate), `gateway_subgraph_retries_total{subgraph,reason}` and
 * `gateway_subgraph_retry_budget_exhausted_total{subgraph}`.
 */
export function createResilienceFeature(options: ResilienceFeatureOptions): GatewayFeature {
  const { policy } = options;
  const breakers = createSubgraphBreakers(options.subgraphs, policy, options.logger, options.registry);
  const fetches = new Histogram({
    name: "gateway_subgraph_fetch_duration_seconds",
    help: "Subgraph fetches by subgraph and outcome (ok, error, timeout, circuit_open)",
    labelNames: ["subgraph", "outcome"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [options.registry],
  });
  const retried = new Counter({
    name: "gateway_subgraph_retries_total",
    help: "Subgraph fetch retries by subgraph and reason (connection_error, http_429, http_502, http_503, http_504)",
    labelNames: ["subgraph", "reason"] as const,
    registers: [options.registry],
  });
  const budgetExhausted = new Counter({
    name: "gateway_subgraph_retry_budget_exhausted_total",
    help: "Retries not sent because the subgraph's retry budget was used up",
    labelNames: ["subgraph"] as const,
    registers: [options.registry],
  });
  const budgets = new Map<string, RetryBudget>();
  const budgetOf = (subgraph: string) => {
    const budget = budgets.get(subgraph) ?? new RetryBudget(policy);
    budgets.set(subgraph, budget);
    return budget;
  };

  const wrapSubgraphFetch =
    (next: SubgraphFetch): SubgraphFetch =>
    async (request) => {
      const { subgraph } = request;
      const timeoutMs = options.timeoutOf(subgraph);
      const started = performance.now();
      const deadline = started + timeoutMs;
      const retries = request.operation === "query" ? policy.queryRetries : 0;
      const budget = budgetOf(subgraph);

      /** Whether to send attempt `retry + 1` after `delayMs`; counts the retry when it will be sent. */
      const mayRetry = (retry: number, delayMs: number, reason: string): boolean => {
        if (retry >= retries || performance.now() + delayMs >= deadline) return false;
        if (!budget.tryRetry()) {
          budgetExhausted.inc({ subgraph });
          return false;
        }
        retried.inc({ subgraph, reason });
        return true;
      };
      const passOn = (response: FetcherResponse) => {
        if (response.status >= 500) throw new ServerErrorResponse(response);
        return response;
      };
      const sendWithRetries = async (): Promise<FetcherResponse> => {
        budget.sent();
        for (let retry = 0; ; retry++) {
          const attempt = attemptDeadline(Math.max(1, Math.round(deadline - performance.now())));
          let response: FetcherResponse;
          try {
            response = await next({ ...request, init: { ...request.init, signal: attempt.signal } });
          } catch (error) {
            if (isTimeout(error)) throw new SubgraphTimeoutError(timeoutMs);
            const delayMs = backoffMs(retry, policy);
            if (!isConnectionFailure(error) || !mayRetry(retry, delayMs, "connection_error")) throw error;
            await sleep(delayMs);
            continue;
          } finally {
            attempt.clear();
          }
          if (!RETRIED_STATUSES.has(response.status)) return passOn(response);
          const asked = retryAfterMs(response.headers.get("retry-after"));
          if (asked !== undefined && asked > policy.retryAfterMaxMs) return passOn(response);
          const delayMs = asked ?? backoffMs(retry, policy);
          if (!mayRetry(retry, delayMs, `http_${response.status}`)) return passOn(response);
          await sleep(delayMs);
        }
      };

      const observe = (outcome: FetchOutcome) =>
        fetches.observe({ subgraph, outcome }, (performance.now() - started) / 1000);
      try {
        const response = await breakers.of(subgraph).fire(sendWithRetries);
        observe("ok");
        return response;
      } catch (error) {
        if (error instanceof ServerErrorResponse) {
          observe("error");
          return error.response;
        }
        observe(isCircuitOpen(error) ? "circuit_open" : isTimeout(error) ? "timeout" : "error");
        throw error;
      }
    };

  return {
    name: "resilience",
    wrapSubgraphFetch,
    // Reported, not checked: with one subgraph down the gateway still serves the rest.
    report: () => ({ subgraphs: breakers.states() }),
    close: async () => breakers.shutdown(),
  };
}
