import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DATABASE_SERVICES, EVENT_SERVICES } from "@fedplat/registry";
import {
  BEGIN_MARKER,
  EVENT_TABLES_SOURCE,
  eventSchemaFiles,
  eventTablesBlock,
  staleEventSchemas,
  withEventTables,
} from "../src/eventTables";

const root = resolve(__dirname, "../..");
const source = readFileSync(join(root, EVENT_TABLES_SOURCE), "utf8");

describe("the event tables, defined once in prisma/eventTables.prisma", () => {
  it("are copied unchanged into the schema of every service with events", () => {
    expect(eventSchemaFiles(root)).toHaveLength(EVENT_SERVICES.filter((service) => service.database).length);
    expect(staleEventSchemas(root).map(({ file }) => file)).toEqual([]);
  });

  it("are in no schema of a service without events", () => {
    const without = DATABASE_SERVICES.filter((service) => !EVENT_SERVICES.includes(service));
    for (const file of eventSchemaFiles(root, without)) expect(readFileSync(file, "utf8")).not.toContain(BEGIN_MARKER);
  });

  it("flags a schema whose copy was edited by hand", () => {
    const [file] = eventSchemaFiles(root);
    const edited = readFileSync(file!, "utf8").replace('@@map("processed_events")', '@@map("processed")');
    const block = eventTablesBlock(source);
    expect(withEventTables(edited, block)).not.toBe(edited);
    expect(withEventTables(withEventTables(edited, block), block)).toBe(withEventTables(edited, block));
  });

  it("refuses a schema without the markers, naming it", () => {
    expect(() =>
      withEventTables("model X {\n  id Int @id\n}\n", eventTablesBlock(source), "prisma/x/schema.prisma"),
    ).toThrow(/^prisma\/x\/schema\.prisma: no event tables markers/);
  });
});
