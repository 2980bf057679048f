import type { Registry, Service } from "@fedplat/registry";

type Services = Registry & { services: readonly Service[] };

const HEADER = "# Generated from services.json by `npm run generate:config`: edit the registry, not this file.\n";

/** YAML double-quoted only when plain style would misread it (mappers like "@fedplat/subgraph#Connection<X>"). */
const scalar = (value: string) => (/^[\w./#][\w ./#<>-]*$/.test(value) ? value : JSON.stringify(value));

/** supergraph.yaml (rover's format): each subgraph's routing URL and SDL, from the registry. */
export function supergraphYamlOf(registry: Services): string {
  const lines = [
    HEADER.trimEnd(),
    "# rover-compatible supergraph config: `npm run compose` writes supergraph.graphql from it.",
    `federation_version: ${registry.federationVersion}`,
    "subgraphs:",
  ];
  for (const service of registry.services) {
    lines.push(
      `  ${service.name}:`,
      `    routing_url: http://localhost:${service.port}/graphql`,
      "    schema:",
      `      file: ./${service.schemaFile}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The typed client and its persisted-documents manifest: the same for every registry. */
const CLIENT = `  # The typed client: graphql() documents under packages/client/src/operations, checked against
  # the composed supergraph. documentMode string: each document is the exact text whose hash is
  # its persisted-document id, so the fetch wrapper never re-prints it. The manifest
  # (persisted-documents.json, "sha256:<hex>" -> document) is what the gateway trusts.
  packages/client/src/generated/:
    schema: supergraph.graphql
    documents: packages/client/src/operations/**/*.ts
    preset: client
    presetConfig:
      fragmentMasking: false
      persistedDocuments:
        mode: embedHashInDocument
        hashAlgorithm: sha256
    config:
      documentMode: string
      useTypeImports: true
      enumsAsTypes: true
      scalars:
        DateTime: string
`;

/** codegen.yml: resolver types for every service (its context type and mappers), then the typed client. */
export function codegenYamlOf(registry: Services): string {
  const lines = [
    HEADER.trimEnd(),
    "# `npm run codegen`: resolver types for every subgraph, and the typed client (packages/client)",
    "# with its persisted-documents manifest. Output is committed and never edited.",
    "# Mappers point GraphQL types at the Prisma models the resolvers really return.",
    "overwrite: true",
    "config: &base",
    "  federation: true",
    "  useIndexSignature: true",
    "  useTypeImports: true",
    "  enumsAsTypes: true",
    "  scalars:",
    "    DateTime: Date",
    "generates:",
  ];
  for (const service of registry.services) {
    lines.push(
      `  ${service.folder}/src/generated/resolvers.ts:`,
      `    schema: ${service.schemaFile}`,
      "    plugins: [typescript, typescript-resolvers]",
      "    config:",
      "      <<: *base",
      `      contextType: ${scalar(service.codegen.contextType)}`,
    );
    const mappers = Object.entries(service.codegen.mappers);
    if (mappers.length)
      lines.push("      mappers:", ...mappers.map(([type, target]) => `        ${type}: ${scalar(target)}`));
  }
  return `${lines.join("\n")}\n${CLIENT}`;
}

/**
 * Where the Prisma CLI is in the migrate image (infra/Dockerfile's target "migrate": the whole workspace,
 * its working directory the repository root; the runtime image has no CLI).
 */
const PRISMA_CLI = "node_modules/prisma/build/index.js";

/**
 * infra/k8s/base/migrate.yaml: one Job that runs `prisma migrate deploy` for every service with a
 * database, one container each (each service owns its own schema, so they run side by side and a
 * failure names the service). It runs before the new version rolls out: an Argo CD PreSync hook,
 * re-created on every sync (BeforeHookCreation: a Job's pod template is immutable, so a new image
 * cannot be applied over the old Job); with plain kubectl, docs/kubernetes.md applies it first and
 * waits for it.
 */
export function migrateJobOf(registry: Services): string {
  const containers = registry.services.flatMap((service) => {
    if (!service.database) return [];
    const command = [
      "node",
      PRISMA_CLI,
      "migrate",
      "deploy",
      "--config",
      `${service.database.prisma}/prisma.config.ts`,
    ];
    return [
      `        - name: ${service.name}`,
      "          image: fedplat-migrate",
      "          imagePullPolicy: IfNotPresent",
      `          command: [${command.map((part) => JSON.stringify(part)).join(", ")}]`,
      "          env:",
      "            - name: DATABASE_URL",
      "              valueFrom:",
      "                secretKeyRef:",
      "                  name: fedplat-secrets",
      "                  key: DATABASE_URL",
      "            # The CLI keeps a cache under HOME; the root filesystem is read-only.",
      "            - name: HOME",
      "              value: /tmp",
      "            # No update check: its network policy allows PostgreSQL only.",
      "            - name: CHECKPOINT_DISABLE",
      '              value: "1"',
      "          resources:",
      "            requests:",
      "              cpu: 50m",
      "              memory: 192Mi",
      "            limits:",
      "              cpu: 500m",
      "              memory: 384Mi",
      "          securityContext:",
      "            allowPrivilegeEscalation: false",
      "            readOnlyRootFilesystem: true",
      "            capabilities:",
      '              drop: ["ALL"]',
      "          volumeMounts:",
      "            - name: tmp",
      "              mountPath: /tmp",
    ];
  });
  return `${[
    HEADER.trimEnd(),
    "# The database migrations of every service (`prisma migrate deploy`), before the new version rolls",
    "# out: an Argo CD PreSync hook; with kubectl, apply and wait for it first (docs/kubernetes.md).",
    "# Each migration must keep the running version working (docs/runbook.md, rolling back).",
    "apiVersion: batch/v1",
    "kind: Job",
    "metadata:",
    "  name: migrate",
    "  labels:",
    "    app.kubernetes.io/name: migrate",
    "  annotations:",
    "    argocd.argoproj.io/hook: PreSync",
    "    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation",
    "spec:",
    "  # migrate deploy is idempotent: a retry applies what the failed attempt did not.",
    "  backoffLimit: 2",
    "  activeDeadlineSeconds: 600",
    "  template:",
    "    metadata:",
    "      labels:",
    "        app.kubernetes.io/name: migrate",
    "    spec:",
    "      restartPolicy: Never",
    "      securityContext:",
    "        runAsNonRoot: true",
    "        runAsUser: 1000",
    "        runAsGroup: 1000",
    "        seccompProfile:",
    "          type: RuntimeDefault",
    "      containers:",
    ...containers,
    "      volumes:",
    "        - name: tmp",
    "          emptyDir: {}",
  ].join("\n")}\n`;
}

/** Every file generated from the registry, by path relative to the repository root. */
export function generatedConfigFiles(registry: Services): Record<string, string> {
  return {
    "supergraph.yaml": supergraphYamlOf(registry),
    "codegen.yml": codegenYamlOf(registry),
    "infra/k8s/base/migrate.yaml": migrateJobOf(registry),
  };
}
