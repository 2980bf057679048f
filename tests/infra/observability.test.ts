import { execFileSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { GATEWAY, repoRoot, SUBGRAPHS, WORKERS } from "@fedplat/devkit";
import { SERVICES } from "@fedplat/registry";
import { parse } from "yaml";
import { exportedMetricNames, isReadByCode, metricsIn, sourceText } from "./codeFacts";

const PROCESSES = [GATEWAY, ...SUBGRAPHS, WORKERS];
/** Where the processes serve /metrics in production (adminListenerOf's default, set explicitly in docker-compose.yml). */
const ADMIN_PORT = 9464;
const read = (path: string) => readFileSync(join(repoRoot, "infra", path), "utf8");
const source = sourceText();
const metrics = exportedMetricNames(source);

type Rule = {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: Record<string, string>;
};
const rules = (parse(read("prometheus/alerts.yml")) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap(
  (g) => g.rules,
);
const rule = (name: string) => {
  const found = rules.find((r) => r.alert === name);
  if (!found) throw new Error(`no alert ${name}`);
  return { ...found, expr: found.expr.replace(/\s+/g, " ").trim() };
};

/** promtool: PROMTOOL (.ci/run provides one, cached outside the clone), else the first on PATH. */
function findPromtool(): string | undefined {
  const candidates = [
    process.env.PROMTOOL,
    ...(process.env.PATH ?? "").split(delimiter).map((d) => join(d, "promtool")),
  ];
  return candidates.find((path) => {
    if (!path) return false;
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

describe("Prometheus alert rules", () => {
  it("pass `promtool check rules` (PromQL that parses, valid durations and templates)", () => {
    const promtool = findPromtool();
    if (!promtool) {
      // The one check that needs a binary the npm registry cannot provide; .ci/run installs it.
      console.warn("promtool check rules NOT RUN: no promtool (set PROMTOOL or put promtool on PATH)");
      return;
    }
    const output = execFileSync(promtool, ["check", "rules", join(repoRoot, "infra/prometheus/alerts.yml")], {
      encoding: "utf8",
    });
    expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it("carry the brief's thresholds: down for more than 1 minute, errors above 5%, queue depth above 1,000, p95 above 500 ms", () => {
    expect(rule("ServiceDown")).toMatchObject({
      expr: 'up{job="fedplat"} == 0',
      for: "1m",
      labels: { severity: "critical" },
    });
    expect(rule("HighErrorRate").expr).toBe(
      'sum(rate(gateway_operations_total{outcome="error"}[5m])) / sum(rate(gateway_operations_total[5m])) > 0.05',
    );
    expect(rule("QueueBacklog").expr).toBe(
      'max by (queue) (bullmq_queue_jobs{state="waiting", queue!="dead-letters"}) > 1000',
    );
    expect(rule("HighLatencyP95").expr).toBe(
      "histogram_quantile(0.95, sum by (le) (rate(gateway_operation_duration_seconds_bucket[5m]))) > 0.5",
    );
  });

  it("read only metrics the processes export", () => {
    for (const { alert, expr } of rules) {
      expect(metricsIn(expr).length).toBeGreaterThan(0);
      for (const name of metricsIn(expr))
        expect(metrics.has(name) ? name : `${alert}: ${name} is exported by no process`).toBe(name);
    }
  });
});

/** GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to dashes. */
const anchorOf = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .replace(/ /g, "-");

describe("Prometheus alert rules' runbooks", () => {
  it.each(rules.map((r) => [r.alert, r] as const))("%s links a docs section that exists (runbook_url)", (_name, r) => {
    const [file, anchor] = (r.annotations.runbook_url ?? "").split("#");
    expect(file).toMatch(/^docs\/[\w-]+\.md$/);
    const headings = readFileSync(join(repoRoot, file ?? ""), "utf8")
      .split("\n")
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) => anchorOf(line.replace(/^#+ /, "")));
    expect(headings).toContain(anchor);
  });
});

describe("Prometheus scrape configuration", () => {
  it("scrapes every process on its admin port (production: /metrics is not on the public port)", () => {
    const config = parse(read("prometheus/prometheus.yml")) as {
      rule_files: string[];
      scrape_configs: Array<{ metrics_path: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const [job] = config.scrape_configs;
    expect(job?.metrics_path).toBe("/metrics");
    expect(job?.static_configs.flatMap((c) => c.targets).sort()).toEqual(
      PROCESSES.map((p) => `${p.name}:${ADMIN_PORT}`).sort(),
    );
    expect(config.rule_files).toEqual(["/etc/prometheus/alerts.yml"]);
  });
});

describe("the Grafana dashboard", () => {
  type Panel = { title: string; datasource: { uid: string }; targets: Array<{ expr: string }> };
  const dashboard = JSON.parse(read("grafana/dashboards/fedplat.json")) as { uid: string; panels: Panel[] };
  const datasources = (
    parse(read("grafana/provisioning/datasources/datasources.yml")) as {
      datasources: Array<{ uid: string; url: string }>;
    }
  ).datasources;

  it("charts rate, errors, latency, subgraph fetches, circuits, rate limits, queues, dead letters, DB pools and process health from exported metrics", () => {
    const used = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricsIn(t.expr))));
    for (const name of used) expect(metrics.has(name) ? name : `${name} is exported by no process`).toBe(name);
    for (const name of [
      "gateway_operations_total",
      "gateway_operation_duration_seconds_bucket",
      "gateway_subgraph_fetch_duration_seconds_count",
      "gateway_subgraph_circuit_state",
      "gateway_rate_limited_total",
      "bullmq_queue_jobs",
      "bullmq_queue_oldest_waiting_seconds",
      "events_processed_total",
      "db_pool_connections",
      "up",
      "process_cpu_seconds_total",
    ]) {
      expect(used).toContain(name);
    }
  });

  it("filters every query by the $service and $instance variables, over $__rate_interval windows", () => {
    const variables = (
      JSON.parse(read("grafana/dashboards/fedplat.json")) as {
        templating: {
          list: Array<{ name: string; type: string; multi: boolean; includeAll: boolean; query: { query: string } }>;
        };
      }
    ).templating.list;
    expect(variables.map((v) => [v.name, v.type, v.multi, v.includeAll])).toEqual([
      ["service", "query", true, true],
      ["instance", "query", true, true],
    ]);
    expect(variables[1]?.query.query).toContain('service=~"$service"'); // instances of the chosen services
    for (const { targets } of dashboard.panels)
      for (const { expr } of targets) {
        for (const name of metricsIn(expr)) {
          // `up` comes from the scrape target (job, instance), not from the processes' registry.
          const filter = name === "up" ? 'instance=~"$instance"' : 'service=~"$service", instance=~"$instance"';
          expect(expr).toMatch(new RegExp(`\\b${name}\\{[^}]*${filter.replace(/[$.*+?^()|[\]\\]/g, "\\$&")}\\}`));
        }
        for (const [, window] of expr.matchAll(/\[([^\]]+)\]/g)) expect(window).toBe("$__rate_interval");
      }
  });

  it("queries the provisioned Prometheus data source", () => {
    const prometheus = datasources.find((d) => d.uid === "prometheus");
    expect(prometheus?.url).toBe("http://prometheus:9090");
    for (const panel of dashboard.panels) expect(panel.datasource.uid).toBe("prometheus");
  });
});

describe("docker-compose for a laptop", () => {
  type ComposeService = { command?: string[]; environment?: Record<string, string>; ports?: string[]; image?: string };
  const compose = parse(read("docker-compose.yml"), { merge: true }) as { services: Record<string, ComposeService> };

  it("brings up PostgreSQL, Redis, the collector, Jaeger, Prometheus and Grafana next to every process", () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining([
        "postgres",
        "redis",
        "setup",
        "otel-collector",
        "jaeger",
        "prometheus",
        "grafana",
        ...PROCESSES.map((p) => p.name),
      ]),
    );
  });

  it.each(PROCESSES.map((p) => [p.name, p] as const))(
    "runs %s on its port with the telemetry bootstrap, exporting to the collector, with variables the code reads",
    (name, spec) => {
      const service = compose.services[name];
      const environment = service?.environment ?? {};
      expect(service?.command?.join(" ")).toContain(
        `exec node --env-file=/tmp/service.env --conditions=fedplat-dist --import ./packages/telemetry/dist/register.js ${spec.dir}/dist/main.js`,
      );
      expect(environment.PORT).toBe(String(spec.port));
      expect(service?.ports).toEqual([`${spec.port}:${spec.port}`]); // the admin port is not published to the host
      expect([environment.NODE_ENV, environment.ADMIN_PORT]).toEqual(["production", String(ADMIN_PORT)]);
      expect(environment.OTEL_EXPORTER_OTLP_ENDPOINT).toBe("http://otel-collector:4318");
      for (const variable of Object.keys(environment))
        expect(isReadByCode(variable, source) ? variable : `${name}: ${variable} is read by no code`).toBe(variable);
      for (const variable of Object.keys(environment)) expect(variable).not.toMatch(/SECRET|KEY/);
    },
  );

  it("runs Redis as BullMQ needs it: AOF every second on a volume, noeviction, a password from the environment that REDIS_URL carries", () => {
    const redis = compose.services.redis as ComposeService & { volumes?: string[] };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's interpolation of the environment, verbatim
    const passwordFromEnv = "${REDIS_PASSWORD:?export REDIS_PASSWORD (see the top of this file)}";
    expect(redis.command).toEqual([
      "redis-server",
      "--appendonly",
      "yes",
      "--appendfsync",
      "everysec",
      "--maxmemory-policy",
      "noeviction",
      "--requirepass",
      passwordFromEnv,
    ]);
    expect(redis.volumes).toEqual(["redis-data:/data"]);
    for (const spec of PROCESSES)
      expect(compose.services[spec.name]?.environment?.REDIS_URL).toBe(`redis://:${passwordFromEnv}@redis:6379`);
  });

  it("points the gateway at every subgraph's compose service", () => {
    const environment = compose.services.gateway?.environment ?? {};
    // at the compose service of the process that serves it (services.json: operations is served by the workers)
    for (const service of SERVICES)
      expect([service.env.subgraphUrl, environment[service.env.subgraphUrl]]).toEqual([
        service.env.subgraphUrl,
        `http://${service.process}:${service.port}/graphql`,
      ]);
  });

  it("sends spans from the collector to Jaeger", () => {
    const collector = parse(read("otel-collector.yaml")) as {
      receivers: { otlp: { protocols: { http: { endpoint: string } } } };
      exporters: Record<string, { endpoint: string }>;
      service: { pipelines: { traces: { receivers: string[]; exporters: string[] } } };
    };
    expect(collector.receivers.otlp.protocols.http.endpoint).toBe("0.0.0.0:4318");
    expect(collector.service.pipelines.traces).toMatchObject({ receivers: ["otlp"], exporters: ["otlp/jaeger"] });
    expect(collector.exporters["otlp/jaeger"]?.endpoint).toBe("jaeger:4317");
  });
});
