import { Counter, Registry, collectDefaultMetrics } from "prom-client";

/** One registry per process: default process metrics plus the platform's own. */
export interface ServiceMetrics {
  registry: Registry;
  /** SQL statements sent to PostgreSQL, counted from Prisma query events. */
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
  return { registry, dbStatements };
}
