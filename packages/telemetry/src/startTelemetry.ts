import { diag, DiagConsoleLogger, DiagLogLevel } from "@opentelemetry/api";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PinoInstrumentation } from "@opentelemetry/instrumentation-pino";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import type { NodeSDK } from "@opentelemetry/sdk-node";
import { AlwaysOffSampler, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import type { TelemetryConfig } from "./telemetryConfig";
import { propagateOverUndici } from "./undiciPropagation";

/** What the bootstrap leaves running: stopped (spans flushed) at shutdown. */
export interface RunningTelemetry {
  shutdown(): Promise<void>;
}

/** Paths probed by load balancers and Prometheus every few seconds: no spans for them. */
const UNTRACED_PATHS = /^\/(health\/(live|ready)|metrics)(\?|$)/;

/**
 * What carries the trace context: the server side of HTTP (continues the caller's trace), fetch
 * (undici: the gateway's subgraph calls inject it; a span of its own only when exporting, see
 * undiciPropagation.ts), and pino (writes the ids into log lines). Events carry it through the
 * outbox, BullMQ jobs through bullmq-otel.
 */
function propagating() {
  return [
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.test(req.url ?? "") }),
    // trace_id and span_id in every log line written inside a span; pino keeps writing to stdout.
    new PinoInstrumentation({ disableLogSending: true }),
  ];
}

/**
 * Spans that only describe work (GraphQL phases and resolvers, Express layers, Redis commands, SQL).
 * Required here, only when exporting: with export off no process needs their modules (@prisma/instrumentation
 * brings an OpenTelemetry SDK of its own), and idle memory is what every replica pays (bench/memory.ts).
 */
function describing() {
  const { ExpressInstrumentation } =
    require("@opentelemetry/instrumentation-express") as typeof import("@opentelemetry/instrumentation-express");
  const { GraphQLInstrumentation } =
    require("@opentelemetry/instrumentation-graphql") as typeof import("@opentelemetry/instrumentation-graphql");
  const { IORedisInstrumentation } =
    require("@opentelemetry/instrumentation-ioredis") as typeof import("@opentelemetry/instrumentation-ioredis");
  const { PrismaInstrumentation } = require("@prisma/instrumentation") as typeof import("@prisma/instrumentation");
  return [
    new ExpressInstrumentation(),
    new GraphQLInstrumentation({ ignoreTrivialResolveSpans: true, mergeItems: true }),
    new IORedisInstrumentation(),
    new PrismaInstrumentation(),
  ];
}

/**
 * Starts OpenTelemetry with the instrumentations of this stack. With exporting off (the default),
 * a tracer provider with an always-off sampler and only the propagating instrumentations: nothing
 * is recorded, but every request gets a trace id that is propagated (HTTP headers, events, jobs)
 * and written into each log line, at a fraction of the cost of the full set (bench/telemetry.ts).
 *
 * The full NodeSDK is loaded only when exporting: importing @opentelemetry/sdk-node loads every
 * exporter it can be configured with (OTLP grpc, proto and http for traces, metrics and logs,
 * Prometheus, Zipkin): in the gateway, 4,347 modules loaded and 148 MB of heap after start with
 * it, 2,366 modules and 113 MB without; every process paid that for exporters it never used.
 */
export function startTelemetry(config: TelemetryConfig): RunningTelemetry {
  if (process.env.OTEL_LOG_LEVEL === undefined) diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
  if (config.exporting) return startExportingSdk(config);
  // register(): the global tracer provider, the AsyncLocalStorage context manager and the W3C
  // trace-context + baggage propagators, as NodeSDK would set them.
  const provider = new NodeTracerProvider({ sampler: new AlwaysOffSampler() });
  provider.register();
  const unregister = registerInstrumentations({ tracerProvider: provider, instrumentations: propagating() });
  const stopPropagatingOverUndici = propagateOverUndici();
  return {
    shutdown: async () => {
      stopPropagatingOverUndici();
      unregister();
      await provider.shutdown();
    },
  };
}

function startExportingSdk(config: TelemetryConfig): NodeSDK {
  // Required here, not imported at the top: see startTelemetry.
  const { NodeSDK: Sdk } = require("@opentelemetry/sdk-node") as typeof import("@opentelemetry/sdk-node");
  const sdk = new Sdk({
    serviceName: config.serviceName,
    // Exporters come from the standard variables (OTEL_EXPORTER_OTLP_*, OTEL_TRACES_EXPORTER).
    // Metrics are served by prom-client on /metrics and logs go to stdout as JSON: no OTLP for those.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [...propagating(), new UndiciInstrumentation(), ...describing()],
  });
  sdk.start();
  return sdk;
}
