import { basename, dirname } from "node:path";

/** What the telemetry bootstrap does, decided from the standard OTEL_* variables. */
export interface TelemetryConfig {
  serviceName: string;
  /** True when an OTLP endpoint or a traces exporter is configured; spans are then recorded and exported. */
  exporting: boolean;
}

/**
 * Exporting is off by default: only OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT or an OTEL_TRACES_EXPORTER
 * other than "none" turns it on, so a laptop without a collector logs no export errors. The
 * service name is OTEL_SERVICE_NAME, else the package folder of the entry point
 * (`subgraphs/orders/src/main.ts` or the compiled `subgraphs/orders/dist/main.js` -> "orders").
 */
export function telemetryConfig(
  env: NodeJS.ProcessEnv = process.env,
  entry: string | undefined = process.argv[1],
): TelemetryConfig {
  const tracesExporter = env.OTEL_TRACES_EXPORTER?.trim();
  const exporting = Boolean(
    env.OTEL_EXPORTER_OTLP_ENDPOINT ||
      env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
      (tracesExporter && tracesExporter !== "none"),
  );
  return { serviceName: env.OTEL_SERVICE_NAME || serviceNameOf(entry), exporting };
}

function serviceNameOf(entry: string | undefined): string {
  if (!entry) return "fedplat";
  const dir = dirname(entry);
  return basename(dir) === "src" || basename(dir) === "dist" ? basename(dirname(dir)) : basename(dir);
}
