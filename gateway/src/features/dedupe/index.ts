import { Counter, type Registry } from "prom-client";
import type { GatewayFeature } from "../../feature";
import { deduplicateInFlight } from "./deduplicateInFlight";
import { shareOperations } from "./shareOperations";

export { deduplicateInFlight } from "./deduplicateInFlight";

/** Identical in-flight subgraph queries of one viewer share one fetch (deduplicateInFlight.ts). */
export function createDedupeFeature(): GatewayFeature {
  return { name: "dedupe", wrapSubgraphFetch: deduplicateInFlight };
}

/** Identical in-flight queries of one viewer share one execution (shareOperations.ts). */
export function createOperationDedupeFeature(options: {
  propagatedHeaders: readonly string[];
  registry: Registry;
}): GatewayFeature {
  const joined = new Counter({
    name: "gateway_operations_joined_total",
    help: "Queries answered by joining an identical in-flight execution of the same viewer rather than running their own",
    registers: [options.registry],
  });
  return {
    name: "operationDedupe",
    wrapExecutor: shareOperations({ propagatedHeaders: options.propagatedHeaders, joined }),
  };
}
