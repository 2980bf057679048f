import type { Envelope } from "@fedplat/events";
import type { JobsOptions } from "bullmq";
import { BullMQOtel } from "bullmq-otel";

/**
 * BullMQ's own OpenTelemetry integration (bullmq-otel): producer spans when jobs are added, a
 * consumer span around each job, with the processor running inside it.
 */
export const queueTelemetry = new BullMQOtel({ tracerName: "fedplat-workers" });

/**
 * Parents a job's consumer span on the span that wrote its event to the outbox (the envelope's
 * traceparent), not on the relay's batch: one trace runs from the client's request to every
 * consumer of the saga. The format is bullmq-otel's propagation metadata (a JSON carrier).
 */
export function traceOptionsOf(event: Envelope): Pick<JobsOptions, "telemetry"> {
  return event.traceparent ? { telemetry: { metadata: JSON.stringify({ traceparent: event.traceparent }) } } : {};
}
