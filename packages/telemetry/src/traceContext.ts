import { context, propagation } from "@opentelemetry/api";

/** The active span as a W3C `traceparent` (for an event envelope); undefined when there is none. */
export function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/**
 * True when this process carries trace context (the telemetry bootstrap, or the embedding
 * application's own OpenTelemetry setup, registered a propagator). Without one, instrumentation
 * can create no trace ids and propagate none: callers may skip it.
 */
export function propagatesTraceContext(): boolean {
  return propagation.fields().length > 0;
}
