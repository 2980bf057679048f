import type { Logger } from "@fedplat/common";
import { Counter, Histogram, type Registry } from "prom-client";
import { createSubgraphBreakers, type ResiliencePolicy, type SubgraphBreakers } from "./subgraphBreakers";
import type { IdentitySigner } from "./identitySigner";
import { SubgraphDataSource } from "./subgraphDataSource";

export interface SubgraphServicesOptions {
  subgraphs: readonly string[];
  urlOf(subgraph: string): string;
  timeoutOf(subgraph: string): number;
  policy: ResiliencePolicy;
  logger: Logger;
  registry: Registry;
  /** Identical in-flight queries of one viewer share one fetch. */
  dedupe: boolean;
  /** Public entity answers are reused for their max-age (entityCache.ts). */
  entityCache: boolean;
  /** Signs the viewer's identity for each subgraph. */
  signIdentity: IdentitySigner;
}

/**
 * The gateway's data sources: one circuit per subgraph, and the fetch latency histogram
 * (`gateway_subgraph_fetch_duration_seconds{subgraph,outcome}`, whose count is the fetch rate).
 */
export function createSubgraphServices(options: SubgraphServicesOptions): { breakers: SubgraphBreakers; buildService: (definition: { name: string }) => SubgraphDataSource } {
  const breakers = createSubgraphBreakers(options.subgraphs, options.policy, options.logger, options.registry);
  const fetches = new Histogram({
    name: "gateway_subgraph_fetch_duration_seconds",
    help: "Subgraph fetches by subgraph and outcome (ok, error, timeout, circuit_open)",
    labelNames: ["subgraph", "outcome"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [options.registry],
  });
  const entityLookups = new Counter({ name: "gateway_entity_cache_requests_total", help: "Entity fetches looked up in the entity cache, by subgraph and outcome (hit, miss)", labelNames: ["subgraph", "outcome"] as const, registers: [options.registry] });
  return {
    breakers,
    buildService: ({ name }) =>
      new SubgraphDataSource(name, options.urlOf(name), {
        timeoutMs: options.timeoutOf(name),
        breaker: breakers.of(name),
        queryRetries: options.policy.queryRetries,
        onFetch: (subgraph, outcome, seconds) => fetches.observe({ subgraph, outcome }, seconds),
        dedupe: options.dedupe,
        signIdentity: options.signIdentity,
        entityCache: options.entityCache && { onLookup: (subgraph, outcome) => entityLookups.inc({ subgraph, outcome }) },
      }),
  };
}
