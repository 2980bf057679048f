import { Counter, type Registry } from "prom-client";
import type { GatewayFeature } from "../../feature";
import { cachingPublicEntities, type EntityCacheOptions } from "./cachingPublicEntities";

export { cachingPublicEntities, type EntityCacheOptions, publicMaxAgeSeconds } from "./cachingPublicEntities";

/** Public entity answers reused for their max-age (cachingPublicEntities.ts), counted per subgraph and outcome. */
export function createEntityCacheFeature(
  options: { registry: Registry } & Omit<EntityCacheOptions, "onLookup">,
): GatewayFeature {
  const { registry, ...cacheOptions } = options;
  const lookups = new Counter({
    name: "gateway_entity_cache_requests_total",
    help: "Entity fetches looked up in the entity cache, by subgraph and outcome (hit, miss)",
    labelNames: ["subgraph", "outcome"] as const,
    registers: [registry],
  });
  return {
    name: "entityCache",
    wrapSubgraphFetch: (next) =>
      cachingPublicEntities(next, {
        ...cacheOptions,
        onLookup: (subgraph, outcome) => lookups.inc({ subgraph, outcome }),
      }),
  };
}
