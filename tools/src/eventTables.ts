import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EVENT_SERVICES, type Service } from "@fedplat/registry";

/** The one definition of the event tables (outbox, processed_events). */
export const EVENT_TABLES_SOURCE = "prisma/eventTables.prisma";

export const BEGIN_MARKER = `// BEGIN event tables: copied from ${EVENT_TABLES_SOURCE} by \`npm run generate\`; edit that file, not this block`;
export const END_MARKER = "// END event tables";

/** The source's models, without its leading `//` comment (it describes the file; `///` documents a model). */
export function eventTablesBlock(source: string): string {
  const lines = source.split("\n");
  const first = lines.findIndex((line) => line.trim() !== "" && !/^\/\/(?!\/)/.test(line));
  return `${lines.slice(first).join("\n").trimEnd()}\n`;
}

/** The schema files that must hold the block: one per service with events (and a database). */
export function eventSchemaFiles(root: string, services: readonly Service[] = EVENT_SERVICES): string[] {
  return services.flatMap((service) =>
    service.database ? [join(root, service.database.prisma, "schema.prisma")] : [],
  );
}

/** `schema` with the block between its markers replaced by `block`; throws when the markers are missing. */
export function withEventTables(schema: string, block: string, file = "schema.prisma"): string {
  const begin = schema.indexOf(BEGIN_MARKER);
  const end = schema.indexOf(END_MARKER);
  if (begin < 0 || end < begin)
    throw new Error(`${file}: no event tables markers ("${BEGIN_MARKER}" ... "${END_MARKER}")`);
  return `${schema.slice(0, begin + BEGIN_MARKER.length)}\n${block}${schema.slice(end)}`;
}

/** Each event schema file whose block differs from the source, with the text it should have. */
export function staleEventSchemas(root: string): Array<{ file: string; expected: string }> {
  const block = eventTablesBlock(readFileSync(join(root, EVENT_TABLES_SOURCE), "utf8"));
  return eventSchemaFiles(root).flatMap((file) => {
    const current = readFileSync(file, "utf8");
    const expected = withEventTables(current, block, file);
    return current === expected ? [] : [{ file, expected }];
  });
}
