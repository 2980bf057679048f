import type { GatewayFeature } from "../../feature";
import { deduplicateInFlight } from "./deduplicateInFlight";

export { deduplicateInFlight } from "./deduplicateInFlight";

/** Identical in-flight subgraph queries of one viewer share one fetch (deduplicateInFlight.ts). */
export function createDedupeFeature(): GatewayFeature {
  return { name: "dedupe", wrapSubgraphFetch: deduplicateInFlight };
}
