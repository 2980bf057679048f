import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

/** One database pool's connections: open (total), idle, and callers waiting for one. */
export interface PoolUsage {
  pool: string;
  max: number;
  total: number;
  idle: number;
  waiting: number;
}

/**
 * Where the db_pool_connections gauge reads from: the package that opens pools registers its
 * reader here, so process basics need not depend on the database code.
 */
const poolReaders = new Set<() => PoolUsage[]>();
export function reportPoolUsage(read: () => PoolUsage[]): void {
  poolReaders.add(read);
}
const poolUsage = () => [...poolReaders].flatMap((read) => read());

/** One registry per process: default process metrics plus the platform's own. */
export interface ServiceMetrics {
  registry: Registry;
  /** SQL statements sent to PostgreSQL: Prisma's, and those sent past it (see countStatements). */
  dbStatements: Counter<"service">;
}

export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const dbStatements = new Counter({
    name: "db_statements_total",
    help: "SQL statements sent to PostgreSQL",
    labelNames: ["service"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "db_pool_connections",
    help: "PostgreSQL pool connections per pool (the service's schema): max, total (open), idle, waiting (callers queued for one)",
    labelNames: ["pool", "state"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { pool, ...counts } of poolUsage())
        for (const [state, value] of Object.entries(counts)) this.set({ pool, state }, value);
    },
  });
  return { registry, dbStatements };
}
