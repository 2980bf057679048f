import { context, propagation } from "@opentelemetry/api";

/** The active span as a W3C `traceparent` (for an event envelope); undefined when there is none. */
export function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}
