import type { Envelope } from "@fedplat/events";
import { propagatesTraceContext } from "@fedplat/telemetry";
import type { JobsOptions, Telemetry } from "bullmq";
import { BullMQOtel } from "bullmq-otel";

/**
 * BullMQ's own OpenTelemetry integration (bullmq-otel): producer spans when jobs are added, a
 * consumer span around each job, with the processor running inside it.
 */
const queueTelemetry = new BullMQOtel({ tracerName: "fedplat-workers" });

/**
 * queueTelemetry when this process carries trace context (decided when the workers start: the
 * telemetry bootstrap registers its propagator before any of the workers' code runs), else
 * nothing. Without a propagator bullmq-otel can neither start a trace nor continue one, but each
 * job still pays for its spans, context objects and a propagation field in Redis: 6% of the
 * event pipeline's throughput in bench/events.ts, which runs without the bootstrap.
 */
export function queueTelemetryIfTracing(): Telemetry | undefined {
  return propagatesTraceContext() ? queueTelemetry : undefined;
}

/**
 * Parents a job's consumer span on the span that wrote its event to the outbox (the envelope's
 * traceparent), not on the relay's batch: one trace runs from the client's request to every
 * consumer of the saga. The format is bullmq-otel's propagation metadata (a JSON carrier).
 */
export function traceOptionsOf(event: Envelope): Pick<JobsOptions, "telemetry"> {
  return event.traceparent ? { telemetry: { metadata: JSON.stringify({ traceparent: event.traceparent }) } } : {};
}
