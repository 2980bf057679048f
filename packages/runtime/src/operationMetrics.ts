import type { ApolloServerPlugin } from "@apollo/server";
import { Counter, Histogram, type Registry } from "prom-client";

/** Operation names come from clients: long ones are cut and, past this many, new names count as "other". */
const MAX_NAMES = 500;
const MAX_NAME_LENGTH = 64;

export type OperationMetricsPrefix = "gateway" | "subgraph";

/** The two metrics' names for a prefix (dashboards and alert rules refer to them). */
export function operationMetricNames(prefix: OperationMetricsPrefix): { total: string; duration: string } {
  return { total: `${prefix}_operations_total`, duration: `${prefix}_operation_duration_seconds` };
}

/**
 * Rate, errors and latency per operation name: `<prefix>_operations_total{operation,outcome}` and
 * `<prefix>_operation_duration_seconds{operation,outcome}` (outcome "ok" or "error": any error in
 * the response). The gateway counts clients' operations; each subgraph the gateway's fetches
 * (named like `Products__catalog__0`).
 */
export function useOperationMetrics<TContext extends object>(
  registry: Registry,
  prefix: OperationMetricsPrefix,
): ApolloServerPlugin<TContext> {
  const labels = ["operation", "outcome"] as const;
  const names = operationMetricNames(prefix);
  const total = new Counter({
    name: names.total,
    help: "GraphQL operations by name and outcome",
    labelNames: labels,
    registers: [registry],
  });
  const duration = new Histogram({
    name: names.duration,
    help: "GraphQL operation latency by name and outcome",
    labelNames: labels,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const seen = new Set<string>();
  const labelOf = (name: string | null | undefined) => {
    const operation = (name || "anonymous").slice(0, MAX_NAME_LENGTH);
    if (seen.has(operation)) return operation;
    if (seen.size >= MAX_NAMES) return "other";
    seen.add(operation);
    return operation;
  };
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, errors, response }) {
          const failed =
            Boolean(errors?.length) ||
            (response.body.kind === "single" && Boolean(response.body.singleResult.errors?.length));
          const label = { operation: labelOf(operationName), outcome: failed ? "error" : "ok" };
          total.inc(label);
          duration.observe(label, (performance.now() - started) / 1000);
        },
      };
    },
  };
}
