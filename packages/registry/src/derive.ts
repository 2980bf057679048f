import { type Registry, registrySchema, type ServiceEntry } from "./registry";

/** A registry entry with everything derived from it by rule (so no other file lists these names). */
export interface Service extends ServiceEntry {
  /** Its workspace package: `@fedplat/<name>`. */
  packageName: string;
  /** The process that serves it: itself, or its host (`servedBy`). */
  process: string;
  /** Where that process listens by default. */
  port: number;
  /** Its SDL: `<folder>/src/schema.graphql`. */
  schemaFile: string;
  /** Its event queue, `events-<name>`, when it consumes events. */
  queue?: string;
  /** Environment variables named after it. */
  env: {
    /** `<NAME>_DATABASE_URL`: its database, else DATABASE_URL. */
    databaseUrl: string;
    /** `SUBGRAPH_<NAME>_URL`: the gateway's override of its routing URL. */
    subgraphUrl: string;
    /** `EVENTS_ATTEMPTS_<NAME>`: attempts per job on its queue (workers). */
    eventsAttempts: string;
    /** `EVENTS_BACKOFF_MS_<NAME>`: first retry delay on its queue (workers). */
    eventsBackoffMs: string;
  };
}

/** The queue of a service that consumes events. */
export const queueOf = (service: string) => `events-${service}`;

/** The upper-case form env var names use (names are [a-z0-9], so this is all the mapping needed). */
export const envKeyOf = (service: string) => service.toUpperCase();

export function deriveService(entry: ServiceEntry, registry: Registry): Service {
  const key = envKeyOf(entry.name);
  const host = entry.servedBy ? registry[entry.servedBy] : undefined;
  return {
    ...entry,
    packageName: `@fedplat/${entry.name}`,
    process: entry.servedBy ?? entry.name,
    port: entry.port ?? host?.port ?? 0,
    schemaFile: `${entry.folder}/src/schema.graphql`,
    ...(entry.consumesEvents ? { queue: queueOf(entry.name) } : {}),
    env: {
      databaseUrl: `${key}_DATABASE_URL`,
      subgraphUrl: `SUBGRAPH_${key}_URL`,
      eventsAttempts: `EVENTS_ATTEMPTS_${key}`,
      eventsBackoffMs: `EVENTS_BACKOFF_MS_${key}`,
    },
  };
}

/** Thrown when services.json is invalid; the message names each problem by its path. */
export class RegistryError extends Error {
  override name = "RegistryError";
}

/** Validates a registry (services.json) and derives each service's names. */
export function parseRegistry(raw: unknown): Registry & { services: Service[] } {
  const result = registrySchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new RegistryError(`services.json is invalid:\n  ${problems.join("\n  ")}`);
  }
  return { ...result.data, services: result.data.services.map((entry) => deriveService(entry, result.data)) };
}
