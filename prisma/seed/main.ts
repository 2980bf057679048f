/** `npm run seed -w @fedplat/prisma`: seeds every empty service of DATABASE_URL (or <SERVICE>_DATABASE_URL). */
import { createLogger, loadConfig, serviceDatabaseUrl } from "@fedplat/runtime";
import { loadPaymentProviderConfig, simulatedProvider } from "@fedplat/payments";
import { createSeedClients, seed } from "./seed";
import { seedSection } from "./seedConfig";

const logger = createLogger("seed");

async function main(): Promise<void> {
  const { seed: settings } = loadConfig({ seed: seedSection });
  const clients = createSeedClients(serviceDatabaseUrl);
  // The seed's payments happened at the provider too: a reliable, instant one records them.
  const provider = simulatedProvider(loadPaymentProviderConfig().providerDatabaseUrl, { failureRate: 0, latencyMs: 0 });
  try {
    const report = await seed(clients, settings.password, undefined, provider);
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
