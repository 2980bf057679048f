import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ServiceNames } from "./serviceNames";

/** An edit of a file the platform already has: the whole new text, from the current one. */
export type Registration = (text: string) => string;

/** A file does not look as the generator expects (edited by hand?): nothing is written. */
export class RegistrationError extends Error {
  override name = "RegistrationError";
}

/** `text` with `insert` placed before the first match of `anchor`; throws naming the file when there is none. */
function before(file: string, text: string, anchor: string | RegExp, insert: string): string {
  const index = typeof anchor === "string" ? text.indexOf(anchor) : text.search(anchor);
  if (index < 0) throw new RegistrationError(`${file}: found no ${String(anchor)} to add the new service before`);
  return `${text.slice(0, index)}${insert}${text.slice(index)}`;
}

/** Every match of `pattern` replaced; throws naming the file when nothing matches. */
function replaceAll(file: string, text: string, pattern: RegExp, replacement: string): string {
  if (!pattern.test(text))
    throw new RegistrationError(`${file}: found no ${String(pattern)} to register the service in`);
  return text.replace(
    new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`),
    replacement,
  );
}

/** Adds `@fedplat/<name>` to a package.json's dependencies, keeping them sorted as npm does. */
function withDependency(name: string): Registration {
  return (text) => {
    const manifest = JSON.parse(text) as { dependencies?: Record<string, string> };
    const dependencies = { ...manifest.dependencies, [`@fedplat/${name}`]: "*" };
    manifest.dependencies = Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b)));
    return `${JSON.stringify(manifest, null, 2)}\n`;
  };
}

/** The port of a new service: the next after the highest a service has, skipping the gateway's and workers'. */
export function nextPort(registry: {
  gateway: { port: number };
  workers: { port: number };
  services: Array<{ port?: number }>;
}): number {
  const taken = new Set([registry.gateway.port, registry.workers.port, ...registry.services.map((s) => s.port ?? 0)]);
  let port = Math.max(...registry.services.map((service) => service.port ?? 0)) + 1;
  while (taken.has(port)) port += 1;
  return port;
}

/** The registry entry, in services.json's own layout. */
function serviceEntry({ name, Name, singular, Singular }: ServiceNames, port: number): string {
  return `,
    {
      "name": "${name}",
      "port": ${port},
      "folder": "subgraphs/${name}",
      "database": { "schema": "${name}", "prisma": "prisma/${name}" },
      "consumesEvents": true,
      "produces": ["${singular}.created"],
      "codegen": {
        "contextType": "../context#${Name}Context",
        "mappers": {
          "${Singular}": "./prisma/client#${Singular} as ${Singular}Model",
          "${Singular}Connection": "@fedplat/subgraph#Connection<${Singular}Model>",
          "User": "../references#UserReference"
        }
      }
    }`;
}

/** The k8s Deployment, Service, autoscaler and disruption budget of the new service, from notifications' (the same shape) plus what live updates and events need. */
function k8sManifest(root: string, { name }: ServiceNames, port: number): string {
  const template = readFileSync(join(root, "infra/k8s/base/notifications.yaml"), "utf8");
  const renamed = template
    .replaceAll("notifications", name)
    .replaceAll('"4005"', `"${port}"`)
    .replaceAll(": 4005", `: ${port}`);
  const secret = (variable: string, secretName: string, key = variable) => `            - name: ${variable}
              valueFrom:
                secretKeyRef:
                  name: ${secretName}
                  key: ${key}
`;
  return before(
    "infra/k8s/base/notifications.yaml",
    renamed,
    "          startupProbe:",
    `${secret("REDIS_URL", "fedplat-secrets")}            # This process's own event keys (docs/security.md): a Secret per process, so no process holds another's signing keys.
${secret("EVENT_SIGNING_KEYS", `fedplat-events-${name}`)}`,
  );
}

/** Files the new service adds outside its folders (path -> content), read from the repository at `root`. */
export function addedFiles(root: string, names: ServiceNames, port: number): Record<string, string> {
  return { [`infra/k8s/base/${names.name}.yaml`]: k8sManifest(root, names, port) };
}

/**
 * Where the platform lists its services by hand (path -> edit): each list gets the new service.
 * The rest derives from services.json and is regenerated (supergraph.yaml, codegen.yml, the
 * migration Job, the event tables, the supergraph).
 */
export function registrations(names: ServiceNames, port: number): Record<string, Registration> {
  const { name, Name, singular, Singular, NAME } = names;
  const event = `${singular}.created`;
  return {
    "services.json": (text) => before("services.json", text, /\n {2}\]\n\}\s*$/, serviceEntry(names, port)),
    "packages/events/src/schemas.ts": (text) =>
      before(
        "packages/events/src/schemas.ts",
        text,
        "\n} as const;",
        `\n  /** A new ${singular} (${name}' Mutation.create${Singular}). */\n  "${event}": { version: 1, data: z.object({ ${singular}Id: id, ownerId: id, title: z.string() }) },`,
      ),
    "packages/events/src/routing.ts": (text) =>
      before(
        "packages/events/src/routing.ts",
        replaceAll("packages/events/src/routing.ts", text, /("user\.registered": \[[^\]]*)\]/, `$1, "${name}"]`),
        "\n};\n\n/** The queue of a consuming service",
        `\n  "${event}": [],`,
      ),
    "packages/events/test/contracts.test.ts": (text) =>
      before(
        "packages/events/test/contracts.test.ts",
        text,
        "\n};\n\nconst routed",
        `\n  "${event}": { producer: "${name}", data: { ${singular}Id: id(), ownerId: id(), title: "first" } },`,
      ),
    "tools/src/config/processSections.ts": (text) =>
      before(
        "tools/src/config/processSections.ts",
        before(
          "tools/src/config/processSections.ts",
          text,
          'import type { ConfigSection } from "@fedplat/runtime";',
          `import { ${name}Sections } from "@fedplat/${name}";\n`,
        ),
        "  workers: workersSections,",
        `  ${name}: ${name}Sections,\n`,
      ),
    "tools/package.json": withDependency(name),
    "tests/package.json": withDependency(name),
    "tests/contracts/subgraphContracts.int.test.ts": (text) => {
      const file = "tests/contracts/subgraphContracts.int.test.ts";
      const imported = before(
        file,
        text,
        'import { buildNotificationsServer, createNotificationsPrisma } from "@fedplat/notifications";',
        `import { build${Name}Server, create${Name}Prisma } from "@fedplat/${name}";\n`,
      );
      // No seed data for a new service: its sample row is created for the check.
      const sampled = before(
        file,
        imported,
        /\n};\n\n\/\*\* The top-level fields of a key's field set/,
        `\n  ${Singular}: \`INSERT INTO "${name}"."${name}" (id, owner_id, title) SELECT gen_random_uuid(), id, 'sample' FROM "accounts"."users" ORDER BY email LIMIT 1 RETURNING id\`,`,
      );
      return before(
        file,
        sampled,
        "  operations: async (headers) => {",
        `  ${name}: (headers) =>\n    started(startTestSubgraph({ createPrisma: create${Name}Prisma, database, build: build${Name}Server }), headers),\n`,
      );
    },
    "tests/e2e/rbac.e2e.test.ts": (text) =>
      before(
        "tests/e2e/rbac.e2e.test.ts",
        text,
        "\n};\n\n/** Root fields of the public graph",
        `
  // ${name} (npm run new:service): anyone logged in has their own; adapt when its rules change.
  "Query.${name}": { operation: () => ({ query: /* GraphQL */ "{ ${name}(first: 1) { totalCount } }" }), expect: loggedIn },
  "Query.${singular}": {
    operation: () => ({ query: /* GraphQL */ "query($id: ID!) { ${singular}(id: $id) { id } }", variables: { id: randomUUID() } }),
    expect: loggedIn,
    nullable: true,
  },
  "Mutation.create${Singular}": {
    operation: () => ({ query: /* GraphQL */ 'mutation { create${Singular}(input: { title: "rbac" }) { id } }' }),
    expect: loggedIn,
  },`,
      ),
    "infra/k8s/base/kustomization.yaml": (text) =>
      before("infra/k8s/base/kustomization.yaml", text, "  - workers.yaml\n", `  - ${name}.yaml\n`),
    "infra/k8s/base/gateway.yaml": (text) =>
      before(
        "infra/k8s/base/gateway.yaml",
        text,
        "            - name: SUBGRAPH_OPERATIONS_URL",
        `            - name: SUBGRAPH_${NAME}_URL\n              value: "http://${name}:${port}/graphql"\n`,
      ),
    "infra/k8s/base/networkpolicies.yaml": (text) =>
      replaceAll(
        "infra/k8s/base/networkpolicies.yaml",
        text,
        /("accounts"[^\]\n]*), "workers"/,
        `$1, "${name}", "workers"`,
      ),
    "infra/prometheus/prometheus.yml": (text) =>
      before("infra/prometheus/prometheus.yml", text, "          - workers:9464", `          - ${name}:9464\n`),
    "infra/docker-compose.yml": (text) => {
      const file = "infra/docker-compose.yml";
      const service = before(
        file,
        text,
        "  workers:\n    <<: *service",
        `  ${name}:
    <<: *service
    command: ["sh", "-c", "grep -vE '^(GATEWAY_SIGNING_KEY|ORDERS_SERVICE_KEY|EVENT_PII_KEYS|EVENT_PII_ACTIVE_KEY_ID)=' /run/fedplat/.env > .env && exec node --import tsx --import ./packages/telemetry/src/register.ts subgraphs/${name}/src/main.ts"]
    environment: { <<: *environment, PORT: "${port}", OTEL_SERVICE_NAME: ${name} }
    ports: ["${port}:${port}"]

`,
      );
      const url = before(
        file,
        service,
        "      SUBGRAPH_OPERATIONS_URL:",
        `      SUBGRAPH_${NAME}_URL: http://${name}:${port}/graphql\n`,
      );
      return before(
        file,
        url,
        "      workers: { condition: service_started }",
        `      ${name}: { condition: service_started }\n`,
      );
    },
  };
}

/** Whether the generated service's folders would overwrite something. */
export function takenFolders(root: string, { name }: ServiceNames): string[] {
  return [`subgraphs/${name}`, `prisma/${name}`, `infra/k8s/base/${name}.yaml`].filter((path) =>
    existsSync(join(root, path)),
  );
}
