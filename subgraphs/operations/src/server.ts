import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AdminListener, Logger, ReadinessCheck, ServiceMetrics } from "@fedplat/runtime";
import { buildSubgraphServer, type SubgraphServer } from "@fedplat/subgraph/server";
import type { IdentityTrust } from "@fedplat/auth";
import gql from "graphql-tag";
import type { AuditLog } from "./auditLog";
import type { OperationsContext } from "./context";
import type { DeadLetterOps } from "./deadLetterOps";

// From the package root, not __dirname: the same file whether this runs from src/ or from the compiled dist/.
export const typeDefs = gql(readFileSync(join(__dirname, "..", "src", "schema.graphql"), "utf8"));

export interface OperationsServerDeps {
  deadLetters: DeadLetterOps;
  /** Where admin actions are recorded (dead-letter replays and discards). */
  audit: AuditLog;
  metrics: ServiceMetrics;
  logger: Logger;
  /** The gateway's public keys (no service calls the operations subgraph directly). */
  identityTrust: IdentityTrust;
  /** What readiness checks (Redis, the services' databases). */
  readiness: Record<string, ReadinessCheck>;
  /** Production: masked errors. */
  production?: boolean;
  /** A port of its own for /metrics and /health/* (production); unset: the public port serves them. */
  admin?: AdminListener;
}

/**
 * The operations subgraph (dead letters and the admin audit log, for admins only). It has no
 * process of its own: the workers serve it on their port (services.json: servedBy "workers").
 * Its schema, resolvers and permissions (and with them Apollo Server and the GraphQL libraries)
 * load on the first /graphql request: admins query it rarely, and an idle workers process should
 * not hold them (bench/results/memory.md).
 */
export function buildOperationsServer(deps: OperationsServerDeps): Promise<SubgraphServer> {
  return buildSubgraphServer<OperationsContext>({
    name: "operations",
    schemaOnFirstRequest: async () => {
      const [{ operationsPermissions }, { operationsResolvers }] = await Promise.all([
        import("./permissions"),
        import("./resolvers"),
      ]);
      return {
        typeDefs,
        resolvers: operationsResolvers,
        permissions: operationsPermissions,
        context: (base) => ({ ...base, deadLetters: deps.deadLetters, audit: deps.audit }),
      };
    },
    readiness: deps.readiness,
    metrics: deps.metrics,
    logger: deps.logger,
    identityTrust: deps.identityTrust,
    production: deps.production,
    admin: deps.admin,
  });
}
