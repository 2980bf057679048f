/**
 * `npm run generate:event-tables` (part of `npm run generate`): copies prisma/eventTables.prisma
 * into the schema.prisma of every service with events, between its markers.
 * `--check`: writes nothing, exits 1 naming each schema whose copy differs.
 */
import { writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseCommandLine } from "@fedplat/runtime";
import { staleEventSchemas } from "./eventTables";

const { values } = parseCommandLine({
  usage: `usage: npm run generate:event-tables [-- --check]

Copies prisma/eventTables.prisma into the schema.prisma of every service with events.

options:
  --check      write nothing; exit 1 naming each schema whose copy differs
  -h, --help   print this text`,
  options: { check: { type: "boolean" } },
});
const root = resolve(__dirname, "../..");
const stale = staleEventSchemas(root);
if (values.check) {
  if (stale.length) {
    const files = stale.map(({ file }) => relative(root, file)).join(", ");
    console.error(
      `${files}: event tables differ from prisma/eventTables.prisma: run \`npm run generate:event-tables\``,
    );
    process.exit(1);
  }
} else {
  for (const { file, expected } of stale) {
    writeFileSync(file, expected);
    console.log(`wrote ${relative(root, file)}`);
  }
}
