import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { adminListenerOf, healthRouter } from "@fedplat/runtime";
import {
  DIST_CONDITION,
  entryOf,
  GATEWAY,
  nodeArgsOf,
  processOf,
  repoRoot,
  type ServiceSpec,
  SUBGRAPHS,
  TELEMETRY_REGISTER_DIST,
  TEST_IDENTITY_ENV,
  WORKERS,
} from "@fedplat/devkit";
import { checkOverrides, loadGatewayConfig } from "@fedplat/gateway";
import { DATABASE_SERVICES, envKeyOf, SERVICES } from "@fedplat/registry";
import { loadWorkersConfig } from "@fedplat/workers";
import express from "express";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Job } from "kubernetes-models/batch/v1/Job";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service } from "kubernetes-models/v1/Service";
import pg from "pg";
import { isReadByCode, sourceText } from "./codeFacts";
import { kustomizeBuild, type Manifest } from "./kustomize";

const PROCESSES: readonly ServiceSpec[] = [GATEWAY, ...SUBGRAPHS, WORKERS];
const OVERLAYS = ["dev", "prod"] as const;
const NAMESPACES = { dev: "fedplat-dev", prod: "fedplat", base: "fedplat" } as const;
// Rendered once by the real Kustomize, with its default options (no --load-restrictor).
const rendered = {
  ...(Object.fromEntries(
    OVERLAYS.map((overlay) => [overlay, kustomizeBuild(join(repoRoot, "infra/k8s/overlays", overlay))]),
  ) as Record<(typeof OVERLAYS)[number], Manifest[]>),
  base: kustomizeBuild(join(repoRoot, "infra/k8s/base")),
};

/** The Kubernetes JSON schemas (OpenAPI) as the kubernetes-models package ships them, one validator per kind. */
const MODELS: Record<string, { new (data: never): { validate(): void } }> = {
  "v1/Namespace": Namespace,
  "batch/v1/Job": Job,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "v1/Service": Service,
  "v1/ConfigMap": ConfigMap,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
};

type Container = {
  name: string;
  image: string;
  command: string[];
  ports: Array<{ name: string; containerPort: number }>;
  env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  envFrom: Array<{ configMapRef: { name: string } }>;
  startupProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
};
type DeploymentShape = Manifest & {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    strategy: { rollingUpdate: { maxUnavailable: number; maxSurge: number } };
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: { containers: Container[]; volumes: Array<{ name: string; configMap?: { name: string } }> };
    };
  };
};

type MigrateJob = Manifest & {
  spec: { template: { spec: { containers: Array<Pick<Container, "name" | "image" | "command" | "env">> } } };
};

const find = <T extends Manifest>(manifests: Manifest[], kind: string, name: string): T => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found as T;
};
const containerOf = (manifests: Manifest[], name: string) => {
  const container = find<DeploymentShape>(manifests, "Deployment", name).spec.template.spec.containers[0];
  if (!container) throw new Error(`Deployment ${name} has no container`);
  return container;
};
const configOf = (manifests: Manifest[]) =>
  (
    manifests.find((m) => m.kind === "ConfigMap" && m.metadata.name.startsWith("fedplat-config-")) as Manifest & {
      data: Record<string, string>;
    }
  ).data;

describe.each(["base", ...OVERLAYS] as const)("kubectl kustomize infra/k8s/%s (default options)", (target) => {
  const manifests = rendered[target];

  it("renders objects that are valid against the Kubernetes schemas, kind by kind, all in its Namespace, and no Secret", () => {
    for (const manifest of manifests) {
      const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
      expect(Model ? "known kind" : `${manifest.apiVersion} ${manifest.kind}`).toBe("known kind");
      if (Model) expect(() => new Model(manifest as never).validate()).not.toThrow();
      if (manifest.kind === "Namespace") expect(manifest.metadata.name).toBe(NAMESPACES[target]);
      else expect(manifest.metadata.namespace).toBe(NAMESPACES[target]);
      expect(manifest.metadata.labels?.["app.kubernetes.io/part-of"]).toBe("fedplat");
    }
    expect(manifests.filter((m) => m.kind === "Namespace")).toHaveLength(1);
    expect(manifests.filter((m) => m.kind === "Secret")).toEqual([]);
  });

  it("sets no replicas on a Deployment: its HorizontalPodAutoscaler owns the count", () => {
    const deployments = manifests.filter((m) => m.kind === "Deployment") as DeploymentShape[];
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(PROCESSES.map((spec) => spec.name).sort());
    for (const deployment of deployments) {
      expect([deployment.metadata.name, deployment.spec.replicas]).toEqual([deployment.metadata.name, undefined]);
      find(manifests, "HorizontalPodAutoscaler", deployment.metadata.name);
    }
  });

  it("runs every service's migrations in one Job before the rollout: prisma migrate deploy per service, in the migrate image", () => {
    const job = find<MigrateJob>(manifests, "Job", "migrate");
    expect(job.metadata.annotations).toEqual({
      "argocd.argoproj.io/hook": "PreSync",
      "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
    });
    const { containers } = job.spec.template.spec;
    expect(containers.map((c) => c.name)).toEqual(DATABASE_SERVICES.map((s) => s.name));
    // infra/Dockerfile's "migrate" target (the runtime image has no Prisma CLI), with the processes' tag
    const processes = containerOf(manifests, "gateway").image;
    const [, name, tag = ""] = /^(.*?)(:[^:/]+)?$/.exec(processes) ?? [];
    const migrateImage = `${name}-migrate${tag}`;
    expect(migrateImage).toMatch(/fedplat-migrate(:|$)/);
    for (const container of containers) {
      expect(container.image).toBe(migrateImage);
      expect(container.command.slice(0, 4)).toEqual([
        "node",
        "node_modules/prisma/build/index.js",
        "migrate",
        "deploy",
      ]);
      expect(container.env.find((e) => e.name === "DATABASE_URL")).toEqual({
        name: "DATABASE_URL",
        valueFrom: { secretKeyRef: { name: "fedplat-secrets", key: "DATABASE_URL" } },
      });
    }
  });
});

describe.each(OVERLAYS)("the %s overlay", (overlay) => {
  const manifests = rendered[overlay];

  it.each(PROCESSES.map((spec) => [spec.name, spec] as const))(
    "runs %s as the code expects: port, entry point, probes, rolling update, autoscaling, disruption budget, resources",
    async (name, spec) => {
      const deployment = find<DeploymentShape>(manifests, "Deployment", name);
      const container = containerOf(manifests, name);
      // the port DESIGN.md gives the process, as container port, PORT and Service port; and the admin
      // port where the process, in production, serves /metrics and /health/* (never in the Service)
      const adminPort = adminListenerOf(configOf(manifests).NODE_ENV === "production", {
        ...configOf(manifests),
        ...Object.fromEntries(container.env.map((e) => [e.name, e.value])),
      })?.port;
      expect(adminPort).toBe(9464);
      expect(container.ports).toEqual([
        { name: "http", containerPort: spec.port, protocol: "TCP" },
        { name: "admin", containerPort: adminPort, protocol: "TCP" },
      ]);
      expect(container.env.find((e) => e.name === "PORT")?.value).toBe(String(spec.port));
      expect(deployment.spec.template.metadata.annotations).toMatchObject({
        "prometheus.io/scrape": "true",
        "prometheus.io/port": String(adminPort),
        "prometheus.io/path": "/metrics",
      });
      const service = find<
        Manifest & { spec: { selector: Record<string, string>; ports: Array<{ port: number; targetPort: string }> } }
      >(manifests, "Service", name);
      expect(service.spec.ports).toEqual([{ name: "http", port: spec.port, targetPort: "http", protocol: "TCP" }]);
      expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
      expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
      // the compiled entry point and telemetry bootstrap, as NODE_ENV=production npm start runs them
      // (relative to the image's working directory, /app: infra/Dockerfile)
      expect(container.command).toEqual([
        "node",
        `--conditions=${DIST_CONDITION}`,
        "--import",
        `./${TELEMETRY_REGISTER_DIST}`,
        `${spec.dir}/dist/main.js`,
      ]);
      expect(nodeArgsOf(spec, "dist")).toEqual([
        `--conditions=${DIST_CONDITION}`,
        "--import",
        join(repoRoot, TELEMETRY_REGISTER_DIST),
        entryOf(spec, "dist"),
      ]);
      // probes on the health router's paths, on the admin port that serves them, which answer
      expect([
        container.startupProbe.httpGet,
        container.livenessProbe.httpGet,
        container.readinessProbe.httpGet,
      ]).toEqual([
        { path: "/health/live", port: "admin" },
        { path: "/health/live", port: "admin" },
        { path: "/health/ready", port: "admin" },
      ]);
      const probe = express()
        .use(healthRouter({}, { draining: false }))
        .listen(0);
      try {
        const { port } = probe.address() as { port: number };
        for (const path of ["/health/live", "/health/ready"])
          expect((await fetch(`http://127.0.0.1:${port}${path}`)).status).toBe(200);
      } finally {
        probe.close();
      }
      // zero unavailable during a rollout; requests and limits set
      expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
      for (const resource of ["cpu", "memory"]) {
        expect(container.resources.requests[resource]).toBeDefined();
        expect(container.resources.limits[resource]).toBeDefined();
      }
      const hpa = find<
        Manifest & {
          spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number };
        }
      >(manifests, "HorizontalPodAutoscaler", name);
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name });
      expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
      const pdb = find<
        Manifest & {
          spec: { selector: { matchLabels: Record<string, string> }; minAvailable?: number; maxUnavailable?: number };
        }
      >(manifests, "PodDisruptionBudget", name);
      expect(deployment.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
      if (overlay === "dev") expect(pdb.spec).toMatchObject({ maxUnavailable: 1 });
      else expect(pdb.spec).toMatchObject({ minAvailable: 1 });
      if (overlay === "dev") expect(pdb.spec.minAvailable).toBeUndefined();
    },
  );

  it("names only environment variables the code reads, takes every secret from a Secret, and passes the processes' own config validation", () => {
    const source = sourceText();
    const config = configOf(manifests);
    for (const spec of PROCESSES) {
      const container = containerOf(manifests, spec.name);
      expect(container.envFrom.map((e) => e.configMapRef.name)).toEqual([
        expect.stringMatching(/^fedplat-config-[a-z0-9]{10}$/),
      ]);
      for (const name of [...container.env.map((e) => e.name), ...Object.keys(config)]) {
        expect(isReadByCode(name, source) ? name : `${spec.name}: ${name} is read by no code`).toBe(name);
      }
      for (const variable of container.env) {
        // Event keys: a Secret of the process's own, so no process can read another's signing keys.
        const secretName = variable.name.startsWith("EVENT_") ? `fedplat-events-${spec.name}` : "fedplat-secrets";
        if (/SECRET|KEY|PASSWORD|DATABASE_URL|REDIS_URL/.test(variable.name))
          expect(variable).toEqual({
            name: variable.name,
            valueFrom: { secretKeyRef: { name: secretName, key: variable.name } },
          });
      }
    }
    for (const key of Object.keys(config)) expect(key).not.toMatch(/SECRET|KEY|PASSWORD/);

    // The values as the gateway and workers would read them (secrets stand in for the Secret's).
    const secret = "x".repeat(40);
    const envOf = (name: string) => ({
      ...config,
      ...Object.fromEntries(
        containerOf(manifests, name).env.map((e) => [
          e.name,
          e.value ??
            { DATABASE_URL: "postgresql://u:p@db:5432/fedplat", REDIS_URL: "redis://:p@redis:6379" }[e.name] ??
            TEST_IDENTITY_ENV[e.name] ??
            secret,
        ]),
      ),
    });
    const gatewayConfig = loadGatewayConfig(envOf("gateway"));
    expect(gatewayConfig.port).toBe(GATEWAY.port);
    const supergraphSdl = readFileSync(join(repoRoot, "supergraph.graphql"), "utf8");
    expect(() => checkOverrides(gatewayConfig.subgraphUrls, supergraphSdl)).not.toThrow();
    // every subgraph URL points at the Service and port of the process that serves it (services.json)
    for (const [key, url] of Object.entries(gatewayConfig.subgraphUrls)) {
      const target = processOf(SERVICES.find((s) => envKeyOf(s.name) === key)?.name ?? key);
      expect(url).toBe(`http://${target.name}:${target.port}/graphql`);
      find(manifests, "Service", target.name);
    }
    expect(Object.keys(gatewayConfig.subgraphUrls).sort()).toEqual(SERVICES.map((s) => envKeyOf(s.name)).sort());
    expect(containerOf(manifests, "orders").env.find((e) => e.name === "CATALOG_URL")?.value).toBe(
      "http://catalog:4002/graphql",
    );
    expect(loadWorkersConfig(envOf("workers")).admin.port).toBe(WORKERS.port);
  });

  it("runs Redis as BullMQ needs it: AOF every second on a volume, noeviction, a password from the Secret that REDIS_URL carries", () => {
    const redis = find<
      Manifest & {
        spec: {
          template: {
            spec: {
              containers: Array<{ args: string[]; env: Container["env"]; volumeMounts: Array<{ mountPath: string }> }>;
            };
          };
          volumeClaimTemplates: unknown[];
        };
      }
    >(manifests, "StatefulSet", "redis");
    const [container] = redis.spec.template.spec.containers;
    expect(container?.args.join(" ")).toBe(
      "--appendonly yes --appendfsync everysec --maxmemory-policy noeviction --requirepass $(REDIS_PASSWORD)",
    );
    expect(container?.env.find((e) => e.name === "REDIS_PASSWORD")).toEqual({
      name: "REDIS_PASSWORD",
      valueFrom: { secretKeyRef: { name: "fedplat-secrets", key: "REDIS_PASSWORD" } },
    });
    expect(container?.volumeMounts.map((mount) => mount.mountPath)).toEqual(["/data"]);
    expect(redis.spec.volumeClaimTemplates).toHaveLength(1);
    find(manifests, "Service", "redis");
    expect(configOf(manifests).REDIS_URL).toBeUndefined(); // it carries the password: from the Secret
    for (const name of ["gateway", "orders", "workers"])
      expect(containerOf(manifests, name).env.find((e) => e.name === "REDIS_URL")).toEqual({
        name: "REDIS_URL",
        valueFrom: { secretKeyRef: { name: "fedplat-secrets", key: "REDIS_URL" } },
      });
  });

  it("gives each private identity key to its one signer: the gateway's to the gateway, orders' to orders; the rest get public keys", () => {
    const holders = (variable: string) =>
      PROCESSES.filter((spec) => containerOf(manifests, spec.name).env.some((e) => e.name === variable))
        .map((spec) => spec.name)
        .sort();
    expect(holders("GATEWAY_SIGNING_KEY")).toEqual(["gateway"]);
    expect(holders("ORDERS_SERVICE_KEY")).toEqual(["orders"]);
    expect(holders("ORDERS_SERVICE_VERIFY_KEYS")).toEqual(["catalog"]);
    expect(holders("GATEWAY_VERIFY_KEYS")).toEqual(
      PROCESSES.map((spec) => spec.name)
        .filter((name) => name !== "gateway")
        .sort(),
    );
    expect(holders("GATEWAY_SECRET")).toEqual([]);
  });

  it("mounts the repository's supergraph (base holds a copy `npm run compose` writes) as a ConfigMap where SUPERGRAPH_PATH points", () => {
    const supergraph = manifests.find(
      (m) => m.kind === "ConfigMap" && m.metadata.name.startsWith("supergraph-"),
    ) as Manifest & { data: Record<string, string> };
    expect(supergraph.data["supergraph.graphql"]).toBe(readFileSync(join(repoRoot, "supergraph.graphql"), "utf8"));
    const deployment = find<DeploymentShape>(manifests, "Deployment", "gateway");
    const container = containerOf(manifests, "gateway");
    const volume = deployment.spec.template.spec.volumes.find((v) => v.configMap?.name === supergraph.metadata.name);
    const mount = container.volumeMounts?.find((m) => m.name === volume?.name);
    expect(`${mount?.mountPath}/supergraph.graphql`).toBe(
      container.env.find((e) => e.name === "SUPERGRAPH_PATH")?.value,
    );
  });
});

describe("overlay differences", () => {
  it("lets one replica of each process run in dev (at most two), three gateways at least in prod", () => {
    type Hpa = Manifest & { spec: { minReplicas: number; maxReplicas: number } };
    for (const spec of PROCESSES)
      expect(find<Hpa>(rendered.dev, "HorizontalPodAutoscaler", spec.name).spec).toMatchObject({
        minReplicas: 1,
        maxReplicas: 2,
      });
    expect(find<Hpa>(rendered.prod, "HorizontalPodAutoscaler", "gateway").spec.minReplicas).toBe(3);
    expect(containerOf(rendered.prod, "gateway").resources.limits.cpu).toBe("2");
    expect(containerOf(rendered.prod, "gateway").command).toEqual(containerOf(rendered.dev, "gateway").command);
  });
});

describe("the migration Job's commands", () => {
  const run = promisify(execFile);
  let admin: pg.Client;
  const database = `fedplat_k8s_migrate_${process.pid}`;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  });

  it("apply every service's migrations to an empty database, as the Job's containers run them, and change nothing when run again", async () => {
    const url = new URL(adminUrl());
    url.pathname = `/${database}`;
    const job = find<MigrateJob>(rendered.prod, "Job", "migrate");
    const home = mkdtempSync(join(tmpdir(), "migrate-home-"));
    const runJob = () =>
      Promise.all(
        job.spec.template.spec.containers.map(async (container) => {
          const env = Object.fromEntries(container.env.map((e) => [e.name, e.value ?? url.toString()]));
          const [command = "", ...args] = container.command;
          // The migrate image's working directory is the repository root (infra/Dockerfile, target migrate).
          const { stdout } = await run(command === "node" ? process.execPath : command, args, {
            cwd: repoRoot,
            env: { PATH: process.env.PATH, ...env, HOME: home },
          });
          return stdout;
        }),
      );
    try {
      await runJob();
      const again = await runJob();
      for (const output of again) expect(output).toContain("No pending migrations to apply.");
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    try {
      for (const service of DATABASE_SERVICES) {
        const prismaDir = join(repoRoot, service.database?.prisma ?? "", "migrations");
        const expected = readdirSync(prismaDir, { withFileTypes: true }).filter((e) => e.isDirectory()).length;
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM "${service.database?.schema}"."_prisma_migrations" WHERE finished_at IS NOT NULL`,
        );
        expect([service.name, rows[0].n]).toEqual([service.name, expected]);
      }
    } finally {
      await db.end();
    }
  }, 120_000);
});

function adminUrl(): string {
  const url = new URL(process.env.DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/fedplat");
  url.pathname = "/postgres";
  url.search = "";
  return url.toString();
}
