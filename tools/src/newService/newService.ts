import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { Kind, parse } from "graphql";
import { addedFiles, nextPort, registrations } from "./registrations";
import { serviceFiles } from "./serviceFiles";
import { type ServiceNames, ServiceNameError, serviceNamesOf } from "./serviceNames";
import { StagedWrite } from "./stagedWrite";

export interface NewServiceOptions {
  /** The repository to add the service to. */
  root: string;
  /** The environment of the generators it runs (DATABASE_URL: where the first migration is computed). */
  env: NodeJS.ProcessEnv;
  /** Progress lines. @default nothing */
  log?: (line: string) => void;
}

export interface NewServiceResult {
  names: ServiceNames;
  port: number;
  /** Paths written, relative to the root. */
  written: string[];
}

interface RegistryFile {
  gateway: { port: number };
  workers: { port: number };
  services: Array<{ name: string; port?: number }>;
}

/** Refuses a name another service, folder, type or field of the supergraph already has. */
function checkNotTaken(root: string, names: ServiceNames): void {
  const { name, singular, Singular } = names;
  const registry = JSON.parse(readFileSync(join(root, "services.json"), "utf8")) as RegistryFile;
  if (registry.services.some((service) => service.name === name))
    throw new ServiceNameError(`"${name}" is taken: services.json already has a service of that name`);
  for (const path of [`subgraphs/${name}`, `prisma/${name}`, `packages/${name}`, `infra/k8s/base/${name}.yaml`])
    if (existsSync(join(root, path))) throw new ServiceNameError(`"${name}" is taken: ${path} exists`);
  const supergraph = join(root, "supergraph.graphql");
  if (!existsSync(supergraph)) return;
  const fields = new Map<string, Set<string>>();
  const types = new Set<string>();
  for (const definition of parse(readFileSync(supergraph, "utf8")).definitions) {
    if (!("name" in definition) || !definition.name) continue;
    types.add(definition.name.value);
    if (definition.kind === Kind.OBJECT_TYPE_DEFINITION)
      fields.set(definition.name.value, new Set((definition.fields ?? []).map((field) => field.name.value)));
  }
  const clashes = [
    ...[Singular, `${Singular}Connection`, `${Singular}Edge`, `Create${Singular}Input`].filter((type) =>
      types.has(type),
    ),
    ...[
      ["Query", name],
      ["Query", singular],
      ["Mutation", `create${Singular}`],
      ["Subscription", `${singular}Changed`],
      ["User", name],
    ]
      .filter(([type, field]) => fields.get(type ?? "")?.has(field ?? ""))
      .map(([type, field]) => `${type}.${field}`),
  ];
  if (clashes.length)
    throw new ServiceNameError(`"${name}" is taken: the supergraph already has ${clashes.join(", ")}`);
}

/** A UTC timestamp as Prisma names migrations: 20261206213000. */
const migrationStamp = () => new Date().toISOString().replace(/\D/g, "").slice(0, 14);

/**
 * Adds a complete service to the repository at `root`: its folders, every hand-kept list that
 * names services, then the generated files (event tables, config, first migration, workspace
 * link, Prisma client, resolver types, supergraph, event contracts, configuration docs). All or
 * nothing: on any failure every file is as it was and the error is rethrown. A bad or taken name
 * throws ServiceNameError before anything is written.
 */
export function newService(name: string, options: NewServiceOptions): NewServiceResult {
  const { root, env } = options;
  const log = options.log ?? (() => undefined);
  const names = serviceNamesOf(name);
  checkNotTaken(root, names);
  const port = nextPort(JSON.parse(readFileSync(join(root, "services.json"), "utf8")) as RegistryFile);
  // Everything computed before the first write: a file that does not look as expected fails here.
  const created = { ...serviceFiles(names, port), ...addedFiles(root, names, port) };
  const edited = Object.entries(registrations(names, port)).map(
    ([path, edit]) => [path, edit(readFileSync(join(root, path), "utf8"))] as const,
  );
  const staged = new StagedWrite(root);
  const run = (what: string, command: string, args: string[]) => {
    log(`${what}: ${command} ${args.join(" ")}`);
    const result = spawnSync(command, args, { cwd: root, env, encoding: "utf8" });
    if (result.status !== 0)
      throw new Error(`${what} failed (exit ${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
  };
  try {
    for (const [path, content] of Object.entries(created)) staged.write(path, content);
    for (const [path, content] of edited) staged.write(path, content);
    // What the generators below rewrite.
    for (const path of [
      "supergraph.yaml",
      "codegen.yml",
      "supergraph.graphql",
      "infra/k8s/base/supergraph.graphql",
      "infra/k8s/base/migrate.yaml",
      "package-lock.json",
      "node_modules/.package-lock.json",
      "packages/events/event-contracts.json",
      "docs/configuration.md",
      ".env.example",
    ])
      staged.keep(path);
    staged.keepAbsentDir(`node_modules/@fedplat/${name}`);
    const migration = `prisma/${name}/migrations/${migrationStamp()}_init/migration.sql`;
    run("event tables", "npm", ["run", "--silent", "generate:event-tables"]);
    run("generated config", "npm", ["run", "--silent", "generate:config"]);
    run("first migration", "npx", [
      "--no-install",
      "prisma",
      "migrate",
      "diff",
      "--config",
      `prisma/${name}/prisma.config.ts`,
      "--from-empty",
      "--to-schema-datamodel",
      `prisma/${name}/schema.prisma`,
      "--script",
      "-o",
      migration,
    ]);
    // The workspace link npm would make; the lockfile entry comes from npm itself, offline.
    if (!existsSync(join(root, "node_modules/@fedplat", name)))
      symlinkSync(join("..", "..", "subgraphs", name), join(root, "node_modules/@fedplat", name), "dir");
    run("lockfile", "npm", [
      "install",
      "--package-lock-only",
      "--offline",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
    ]);
    run("Prisma client", "npm", ["run", "--silent", "generate", "-w", `@fedplat/${name}`]);
    run("resolver types", "npm", ["run", "--silent", "codegen"]);
    run("supergraph", "npm", ["run", "--silent", "compose"]);
    run("event contracts", "npm", ["run", "--silent", "event-contracts", "-w", "@fedplat/events"]);
    run("configuration docs", "npm", ["run", "--silent", "config", "--", "--write-docs"]);
    const written = [...Object.keys(created), ...edited.map(([path]) => path), migration];
    run("format", "npx", [
      "--no-install",
      "biome",
      "format",
      "--write",
      ...written.filter((path) => /\.(ts|json)$/.test(path)),
    ]);
    return { names, port, written };
  } catch (error) {
    staged.rollback();
    throw error;
  }
}
