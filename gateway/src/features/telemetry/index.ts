import { type Logger, type ServiceMetrics, useOperationMetrics } from "@fedplat/runtime";
import type { GatewayContext } from "../../context";
import type { GatewayFeature } from "../../feature";
import { useRequestLogging } from "./useRequestLogging";

/**
 * One log line and the operation metrics per GraphQL operation. Traces come from the OpenTelemetry
 * SDK started before the gateway (@fedplat/telemetry/register), not from a feature.
 */
export function createTelemetryFeature(options: { logger: Logger; metrics: ServiceMetrics }): GatewayFeature {
  return {
    name: "telemetry",
    apolloPlugins: [
      useRequestLogging(options.logger),
      useOperationMetrics<GatewayContext>(options.metrics.registry, "gateway"),
    ],
  };
}
