import { diag, DiagConsoleLogger, DiagLogLevel } from "@opentelemetry/api";
import { ExpressInstrumentation } from "@opentelemetry/instrumentation-express";
import { GraphQLInstrumentation } from "@opentelemetry/instrumentation-graphql";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { PinoInstrumentation } from "@opentelemetry/instrumentation-pino";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { NodeSDK, tracing } from "@opentelemetry/sdk-node";
import { PrismaInstrumentation } from "@prisma/instrumentation";
import type { TelemetryConfig } from "./telemetryConfig";

/** Paths probed by load balancers and Prometheus every few seconds: no spans for them. */
const UNTRACED_PATHS = /^\/(health\/(live|ready)|metrics)(\?|$)/;

/**
 * What carries the trace context: the server side of HTTP (continues the caller's trace), fetch
 * (undici: the gateway's subgraph calls inject it), and pino (writes the ids into log lines).
 * Events carry it through the outbox, BullMQ jobs through bullmq-otel.
 */
function propagating() {
  return [
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.test(req.url ?? "") }),
    new UndiciInstrumentation(),
    // trace_id and span_id in every log line written inside a span; pino keeps writing to stdout.
    new PinoInstrumentation({ disableLogSending: true }),
  ];
}

/** Spans that only describe work (GraphQL phases and resolvers, Express layers, Redis commands, SQL). */
function describing() {
  return [new ExpressInstrumentation(), new GraphQLInstrumentation({ ignoreTrivialResolveSpans: true, mergeItems: true }), new IORedisInstrumentation(), new PrismaInstrumentation()];
}

/**
 * Starts the OpenTelemetry SDK with the instrumentations of this stack. With exporting off, the
 * SDK still runs with an always-off sampler and only the propagating instrumentations: nothing
 * is recorded, but every request gets a trace id that is propagated (HTTP headers, events, jobs)
 * and written into each log line, at a fraction of the cost of the full set (bench/telemetry.ts).
 */
export function startTelemetry(config: TelemetryConfig): NodeSDK {
  if (process.env.OTEL_LOG_LEVEL === undefined) diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
  const sdk = new NodeSDK({
    serviceName: config.serviceName,
    // Exporters come from the standard variables (OTEL_EXPORTER_OTLP_*, OTEL_TRACES_EXPORTER).
    ...(config.exporting ? {} : { spanProcessors: [new tracing.NoopSpanProcessor()], sampler: new tracing.AlwaysOffSampler() }),
    // Metrics are served by prom-client on /metrics and logs go to stdout as JSON: no OTLP for those.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: config.exporting ? [...propagating(), ...describing()] : propagating(),
  });
  sdk.start();
  return sdk;
}
