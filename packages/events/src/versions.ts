import type { z } from "zod";
import { readerProblems } from "./compatibility";
import { type Consumer, ROUTES } from "./routing";
import { EVENT_SCHEMAS, EVENT_TYPES, type EventType, PERSONAL_FIELDS } from "./schemas";
import { sealedOnTheWire } from "./sealing";

/**
 * Versions of event types older than the current one (EVENT_SCHEMAS) that are still in
 * circulation. A breaking change to an event adds a new version in EVENT_SCHEMAS and moves the
 * old schema here, published next to the new one until every consumer reads the new one.
 */
export const PREVIOUS_VERSIONS: { [T in EventType]?: Record<number, z.ZodType> } = {};

/** Older versions producers still publish next to the current one (dual publishing during a migration). */
export const STILL_PUBLISHED: { [T in EventType]?: readonly number[] } = {};

/** Consumers that still read an older version than the current one, per event type. */
export const CONSUMER_READS: { [C in Consumer]?: { [T in EventType]?: number } } = {};

/** Everything that decides which version of an event each consumer gets; plain strings so tests can build their own. */
export interface EventRegistry {
  /** type -> version -> data schema, for every version in circulation. */
  versions: Record<string, Record<number, z.ZodType>>;
  /** type -> versions producers publish. */
  published: Record<string, readonly number[]>;
  /** type -> consuming services (ROUTES). */
  routes: Record<string, readonly string[]>;
  /** consumer -> type -> the version it reads; by default the newest. */
  reads: Record<string, Record<string, number>>;
}

/** type -> version -> data schema as producers write it and handlers read it after openPersonalData. */
export const PLAIN_VERSIONS: Record<string, Record<number, z.ZodType>> = Object.fromEntries(
  EVENT_TYPES.map((type) => [
    type,
    { ...PREVIOUS_VERSIONS[type], [EVENT_SCHEMAS[type].version]: EVENT_SCHEMAS[type].data },
  ]),
);

export const EVENT_REGISTRY: EventRegistry = {
  // What travels (and what consumers validate before opening anything): personal fields sealed, or plain in events from before sealing.
  versions: Object.fromEntries(
    Object.entries(PLAIN_VERSIONS).map(([type, versions]) => [
      type,
      Object.fromEntries(
        Object.entries(versions).map(([version, schema]) => [
          version,
          sealedOnTheWire(schema, PERSONAL_FIELDS[type as EventType] ?? []),
        ]),
      ),
    ]),
  ),
  published: Object.fromEntries(
    EVENT_TYPES.map((type) => [type, [...(STILL_PUBLISHED[type] ?? []), EVENT_SCHEMAS[type].version]]),
  ),
  routes: ROUTES,
  reads: CONSUMER_READS as Record<string, Record<string, number>>,
};

const newest = (versions: Record<number, unknown>) => Math.max(...Object.keys(versions).map(Number));

/** The version of `type` that `consumer` reads. */
export function readVersion(consumer: string, type: string, registry: EventRegistry = EVENT_REGISTRY): number {
  return registry.reads[consumer]?.[type] ?? newest(registry.versions[type] ?? {});
}

// The relay asks for every event during a migration; schemas do not change at run time.
const additiveCache = new WeakMap<EventRegistry, Map<string, boolean>>();

/** True when every event of version `to` is valid for a consumer of version `from` (only additive changes). */
export function isAdditive(type: string, from: number, to: number, registry: EventRegistry = EVENT_REGISTRY): boolean {
  const cache = additiveCache.get(registry) ?? new Map<string, boolean>();
  additiveCache.set(registry, cache);
  const key = `${type}@${from}->${to}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const reader = registry.versions[type]?.[from];
  const writer = registry.versions[type]?.[to];
  const additive = reader !== undefined && writer !== undefined && readerProblems(reader, writer).length === 0;
  cache.set(key, additive);
  return additive;
}

/**
 * The published version `consumer` receives: the one it reads, or else the oldest newer one
 * that is an additive change of it (a consumer of N accepts N+1 when N+1 only adds).
 * Undefined when producers publish nothing it can read.
 */
export function deliveredVersion(
  consumer: string,
  type: string,
  registry: EventRegistry = EVENT_REGISTRY,
): number | undefined {
  const reads = readVersion(consumer, type, registry);
  const published = [...(registry.published[type] ?? [])].sort((a, b) => a - b);
  if (published.includes(reads)) return reads;
  return published.find((version) => version > reads && isAdditive(type, reads, version, registry));
}

/** The consumers an event of `type` at `version` goes to: each consumer gets exactly one version of each fact. */
export function routesFor(type: string, version: number, registry: EventRegistry = EVENT_REGISTRY): string[] {
  return (registry.routes[type] ?? []).filter((consumer) => deliveredVersion(consumer, type, registry) === version);
}

/** Problems with the event contracts: each names the event type, version and consumer. Empty when all hold. */
export function checkEventContracts(registry: EventRegistry = EVENT_REGISTRY): string[] {
  const problems: string[] = [];
  for (const [type, versions] of Object.entries(registry.versions)) {
    const current = newest(versions);
    const published = registry.published[type] ?? [];
    if (!published.includes(current)) problems.push(`${type}: the newest version v${current} is not published`);
    for (const version of published)
      if (!(version in versions)) problems.push(`${type}: v${version} is published but has no schema`);
    for (const consumer of registry.routes[type] ?? []) {
      const reads = readVersion(consumer, type, registry);
      const reader = versions[reads];
      if (!reader) problems.push(`${type}: ${consumer} reads v${reads}, which has no schema`);
      else if (deliveredVersion(consumer, type, registry) === undefined) {
        const breaking = published.flatMap((version) => {
          const written = versions[version];
          if (version <= reads || !written) return []; // a published version without a schema is reported above
          const found = readerProblems(reader, written).map((p) => `${p.path} ${p.problem}`);
          return [`v${version}: ${found.join("; ")}`];
        });
        problems.push(
          `${type}: ${consumer} reads v${reads}, but producers publish only ${published.map((v) => `v${v}`).join(", ")}, which it cannot read (${breaking.join(" | ")}); keep publishing v${reads} until ${consumer} migrates`,
        );
      }
    }
  }
  return problems;
}

// The registry is fixed once the code is loaded, so the routes of each (type, version) are worked
// out once: routesFor sorts and filters per call, and consumersOf runs several times per event
// (createEvent, writeOutbox, the relay, the reconciler).
const routeCache = new Map<string, readonly Consumer[]>();

/** The services the relay sends `event` to: ROUTES, narrowed to the consumers of its version. */
export function consumersOf(event: { type: EventType; version: number }): readonly Consumer[] {
  const key = `${event.type}@${event.version}`;
  let routes = routeCache.get(key);
  if (!routes) {
    // EVENT_REGISTRY.routes is ROUTES, so every name it returns is a Consumer.
    routes = Object.freeze(routesFor(event.type, event.version) as Consumer[]);
    routeCache.set(key, routes);
  }
  return routes;
}
