import { type Incompatibility, type JsonSchema, jsonSchemaReaderProblems, toJsonSchema } from "./compatibility";
import { EVENT_REGISTRY, type EventRegistry } from "./versions";

/** type -> version -> JSON Schema of the data: what event-contracts.json records for review and history. */
export type EventContractSnapshot = Record<string, Record<string, JsonSchema>>;

export function eventContractSnapshot(registry: EventRegistry = EVENT_REGISTRY): EventContractSnapshot {
  return Object.fromEntries(
    Object.entries(registry.versions)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, versions]) => [
        type,
        Object.fromEntries(Object.entries(versions).map(([version, schema]) => [version, toJsonSchema(schema)])),
      ]),
  );
}

const describe = (problems: Incompatibility[]) => problems.map((p) => `${p.path} ${p.problem}`).join("; ");

/**
 * A version, once published, may change only in ways readers on both sides of a deploy accept:
 * consumers still on the old schema read new events, and consumers on the new schema read events
 * written before the deploy (still in the outbox, the queues or the dead letters). In practice:
 * add optional fields. Anything else needs a new version. Versions dropped since are not checked
 * here (checkEventContracts makes sure nobody reads them).
 */
export function changedVersionsProblems(
  previous: EventContractSnapshot,
  registry: EventRegistry = EVENT_REGISTRY,
): string[] {
  const current = eventContractSnapshot(registry);
  const problems: string[] = [];
  for (const [type, versions] of Object.entries(previous)) {
    for (const [version, before] of Object.entries(versions)) {
      const now = current[type]?.[version];
      if (!now) continue;
      const oldReaders = jsonSchemaReaderProblems(before, now);
      const newReaders = jsonSchemaReaderProblems(now, before);
      if (oldReaders.length)
        problems.push(
          `${type} v${version} changed in a way its consumers cannot read: ${describe(oldReaders)}. Publish it as a new version instead (docs/schema-evolution.md)`,
        );
      if (newReaders.length)
        problems.push(
          `${type} v${version} changed in a way that rejects events already written: ${describe(newReaders)}. Make the new field optional, or publish a new version (docs/schema-evolution.md)`,
        );
    }
  }
  return problems;
}
