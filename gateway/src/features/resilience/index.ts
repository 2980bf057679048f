import type { Logger } from "@fedplat/runtime";
import { Histogram, type Registry } from "prom-client";
import type { GatewayFeature } from "../../feature";
import { isCircuitOpen, isConnectionFailure, isTimeout, SubgraphTimeoutError } from "../../transport/fetchErrors";
import type { FetcherResponse } from "../../transport/subgraphFetch";
import type { SubgraphFetch, SubgraphRequest } from "../../transport/subgraphRequest";
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
  /** Deadline of each fetch attempt to this subgraph. */
  timeoutOf(subgraph: string): number;
  logger: Logger;
  registry: Registry;
}

/** How one subgraph fetch ended, for the fetch metrics. */
export type FetchOutcome = "ok" | "error" | "timeout" | "circuit_open";

const RETRY_DELAY_MS = 50;

/** A 5xx answer: a failure for the circuit, but still the response the gateway reports from. */
class ServerErrorResponse extends Error {
  constructor(readonly response: FetcherResponse) {
    super(`HTTP ${response.status}`);
  }
}

/**
 * Each fetch attempt has a deadline, goes through its subgraph's circuit breaker (opossum), and
 * after a connection failure is sent again only when the operation is not a mutation (re-sending
 * a mutation could apply it twice). Retries are a plain loop: one or two immediate re-sends do
 * not need a retry library. Also the fetch histogram
 * (`gateway_subgraph_fetch_duration_seconds{subgraph,outcome}`, whose count is the fetch rate).
 */
export function createResilienceFeature(options: ResilienceFeatureOptions): GatewayFeature {
  const breakers = createSubgraphBreakers(options.subgraphs, options.policy, options.logger, options.registry);
  const fetches = new Histogram({
    name: "gateway_subgraph_fetch_duration_seconds",
    help: "Subgraph fetches by subgraph and outcome (ok, error, timeout, circuit_open)",
    labelNames: ["subgraph", "outcome"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [options.registry],
  });

  const wrapSubgraphFetch = (next: SubgraphFetch): SubgraphFetch => {
    const attempt = async (request: SubgraphRequest): Promise<FetcherResponse> => {
      const timeoutMs = options.timeoutOf(request.subgraph);
      let response: FetcherResponse;
      try {
        response = await next({ ...request, init: { ...request.init, signal: AbortSignal.timeout(timeoutMs) } });
      } catch (error) {
        throw isTimeout(error) ? new SubgraphTimeoutError(timeoutMs) : error;
      }
      if (response.status >= 500) throw new ServerErrorResponse(response);
      return response;
    };
    return async (request) => {
      const breaker = breakers.of(request.subgraph);
      const retries = request.operation === "mutation" ? 0 : options.policy.queryRetries;
      const started = performance.now();
      const observe = (outcome: FetchOutcome) =>
        fetches.observe({ subgraph: request.subgraph, outcome }, (performance.now() - started) / 1000);
      for (let tries = 0; ; tries++) {
        try {
          const response = await breaker.fire(() => attempt(request));
          observe("ok");
          return response;
        } catch (error) {
          if (error instanceof ServerErrorResponse) {
            observe("error");
            return error.response;
          }
          if (tries < retries && isConnectionFailure(error)) {
            await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
            continue;
          }
          observe(isCircuitOpen(error) ? "circuit_open" : isTimeout(error) ? "timeout" : "error");
          throw error;
        }
      }
    };
  };

  return {
    name: "resilience",
    wrapSubgraphFetch,
    // Reported, not checked: with one subgraph down the gateway still serves the rest.
    report: () => ({ subgraphs: breakers.states() }),
    close: async () => breakers.shutdown(),
  };
}
