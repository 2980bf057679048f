import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSubgraphServer, databaseCheck, type SubgraphDeps, type SubgraphServer } from "@fedplat/subgraph";
import { sqlPoolOf } from "@fedplat/event-store";
import gql from "graphql-tag";
import { contextFactory } from "./context";
import type { PaymentsPrisma } from "./db";
import { permissions } from "./permissions";
import { loadPaymentProviderConfig } from "./provider/config";
import { type PaymentLedger, simulatedProvider } from "./provider/simulatedProvider";
import { resolvers } from "./resolvers";

// From the package root, not __dirname: the same file whether this runs from src/ or from the compiled dist/.
export const typeDefs = gql(readFileSync(join(__dirname, "..", "src", "schema.graphql"), "utf8"));

export interface PaymentsServerDeps extends SubgraphDeps<PaymentsPrisma> {
  /**
   * The provider's ledger, read by paymentReconciliation; closed with the server. By default the
   * simulated provider on PAYMENT_PROVIDER_DATABASE_URL, else on the payments client's database.
   */
  ledger?: PaymentLedger;
  /** @default PAYMENT_RECONCILE_GRACE_SECONDS */
  reconcileGraceMs?: number;
}

export async function buildPaymentsServer(deps: PaymentsServerDeps): Promise<SubgraphServer> {
  const config = loadPaymentProviderConfig();
  const ledger =
    deps.ledger ??
    simulatedProvider(config.databaseUrl ?? String(sqlPoolOf(deps.prisma).options.connectionString), {
      failureRate: config.failureRate,
      latencyMs: config.latencyMs,
    });
  const server = await buildSubgraphServer({
    ...deps,
    name: "payments",
    typeDefs,
    resolvers,
    permissions,
    context: contextFactory(deps.prisma, ledger, deps.reconcileGraceMs ?? config.reconcileGraceSeconds * 1_000),
    readiness: { database: databaseCheck(deps.prisma) },
  });
  return {
    ...server,
    close: async () => {
      await server.close();
      await ledger.close();
    },
  };
}
