/** What the code says, for checking infra/ against it: variables it reads, metrics it defines. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { operationMetricNames } from "@fedplat/runtime";
import { repoRoot } from "@fedplat/devkit";
import { SERVICES } from "@fedplat/registry";
import { collectDefaultMetrics, Registry } from "prom-client";

/** Every TypeScript source the processes run (generated code aside). */
export function sourceText(): string {
  const roots = [
    "packages/runtime/src",
    "packages/auth/src",
    "packages/subgraph/src",
    "packages/event-store/src",
    "packages/events/src",
    "packages/telemetry/src",
    "gateway/src",
    "workers/src",
    ...SERVICES.map((s) => `${s.folder}/src`),
  ];
  const texts: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (entry === "generated") continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith(".ts")) texts.push(readFileSync(path, "utf8"));
    }
  };
  for (const root of roots) walk(join(repoRoot, root));
  return texts.join("\n");
}

/** Standard OpenTelemetry variables, read by the SDK rather than by our code. */
const OTEL_STANDARD = new Set([
  "OTEL_SERVICE_NAME",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_PROTOCOL",
  "OTEL_TRACES_SAMPLER",
  "OTEL_TRACES_SAMPLER_ARG",
]);

/** True when some process reads the environment variable `name`. */
export function isReadByCode(name: string, source: string): boolean {
  return (
    OTEL_STANDARD.has(name) ||
    /^SUBGRAPH_[A-Z0-9_]+_(URL|TIMEOUT_MS)$/.test(name) ||
    new RegExp(`\\b${name}\\b`).test(source)
  );
}

/**
 * Metric names the processes export: every prom-client metric the code defines with a literal
 * name (with the _bucket/_count/_sum series of histograms), the operation metrics of the gateway
 * and the subgraphs, prom-client's default process metrics, and Prometheus's own `up`.
 */
export function exportedMetricNames(source: string): Set<string> {
  const names = new Set<string>(["up"]);
  for (const match of source.matchAll(/new (Counter|Gauge|Histogram)\(\{\s*name: "([a-z_:]+)"/g)) {
    const [, type, name] = match;
    if (!name) continue;
    names.add(name);
    if (type === "Histogram") for (const suffix of ["_bucket", "_count", "_sum"]) names.add(name + suffix);
  }
  for (const prefix of ["gateway", "subgraph"] as const) {
    const { total, duration } = operationMetricNames(prefix);
    names.add(total);
    for (const suffix of ["_bucket", "_count", "_sum"]) names.add(duration + suffix);
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const metric of registry.getMetricsAsArray()) {
    names.add(metric.name);
    for (const suffix of ["_bucket", "_count", "_sum"]) names.add(metric.name + suffix);
  }
  return names;
}

const PROMQL_WORDS = new Set([
  "sum",
  "max",
  "min",
  "avg",
  "rate",
  "by",
  "le",
  "histogram_quantile",
  "without",
  "on",
  "ignoring",
  "count",
  "irate",
  "increase",
  "and",
  "or",
  "unless",
  "bool",
]);

/** The metric names a PromQL expression reads (identifiers followed by a selector, a range or nothing, that are not functions or keywords). */
export function metricsIn(expr: string): string[] {
  const withoutLabels = expr
    .replace(/\{[^}]*\}/g, "{}")
    .replace(/by \([^)]*\)/g, "")
    .replace(/\[[^\]]*\]/g, "");
  return [...withoutLabels.matchAll(/\b([a-z_:][a-z0-9_:]*)\b(?!\s*\()/g)]
    .map((m) => m[1] ?? "")
    .filter((name) => !PROMQL_WORDS.has(name) && !/^\d/.test(name));
}
