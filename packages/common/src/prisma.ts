import { PrismaPg } from "@prisma/adapter-pg";

/** Pool size per process unless DB_POOL_MAX says otherwise. */
const DEFAULT_POOL_MAX = 10;

/**
 * Constructor options for a service's generated PrismaClient: the pg driver adapter pinned to
 * the service's own PostgreSQL schema, and query events on so statements can be counted.
 */
export function prismaClientOptions(url: string, schema: string) {
  const u = new URL(url);
  u.searchParams.delete("schema"); // the adapter option below decides the schema
  const max = Number(process.env.DB_POOL_MAX ?? DEFAULT_POOL_MAX);
  return {
    adapter: new PrismaPg({ connectionString: u.toString(), max }, { schema }),
    log: [{ emit: "event" as const, level: "query" as const }],
  };
}

/** Anything with Prisma's query event; each event is one SQL statement. */
export interface QueryEventSource {
  $on(event: "query", listener: () => void): unknown;
}

export function countStatements(client: QueryEventSource, onStatement: () => void): void {
  client.$on("query", onStatement);
}
