/** `npm run seed -w @fedplat/prisma`: seeds every empty service of DATABASE_URL (or <SERVICE>_DATABASE_URL). */
import { createAccountsPrisma } from "@fedplat/accounts";
import { createCatalogPrisma } from "@fedplat/catalog";
import { createLogger, loadDotEnv, serviceDatabaseUrl } from "@fedplat/common";
import { createNotificationsPrisma } from "@fedplat/notifications";
import { createOrdersPrisma } from "@fedplat/orders";
import { createPaymentsPrisma, loadPaymentProviderConfig, simulatedProvider } from "@fedplat/payments";
import { seed, type SeedClients } from "./seed";

const logger = createLogger("seed");

async function main(): Promise<void> {
  loadDotEnv();
  const clients: SeedClients = {
    accounts: createAccountsPrisma(serviceDatabaseUrl("accounts")),
    catalog: createCatalogPrisma(serviceDatabaseUrl("catalog")),
    orders: createOrdersPrisma(serviceDatabaseUrl("orders")),
    payments: createPaymentsPrisma(serviceDatabaseUrl("payments")),
    notifications: createNotificationsPrisma(serviceDatabaseUrl("notifications")),
  };
  // The seed's payments happened at the provider too: a reliable, instant one records them.
  const provider = simulatedProvider(loadPaymentProviderConfig().providerDatabaseUrl, { failureRate: 0, latencyMs: 0 });
  try {
    const report = await seed(clients, process.env.SEED_PASSWORD ?? "Passw0rd!", undefined, provider);
    logger.info(report, "seed finished");
  } finally {
    await Promise.all(Object.values(clients).map((client) => client.$disconnect()));
    await provider.close();
  }
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, "seed failed");
  process.exit(1);
});
