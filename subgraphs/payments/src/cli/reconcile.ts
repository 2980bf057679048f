/**
 * `npm run reconcile -- [--first N] [--grace-seconds S]`: compares the payments with the payment
 * provider's ledger and prints every mismatch (the first N, default 100). Exits 0 when they
 * agree, 1 when there is a mismatch, 2 on bad usage. Databases as for the services:
 * PAYMENTS_DATABASE_URL (else DATABASE_URL) and PAYMENT_PROVIDER_DATABASE_URL (else the former).
 */
import { serviceDatabaseUrl } from "@fedplat/runtime";
import { createPaymentsPrisma } from "../db";
import { loadPaymentProviderConfig } from "../provider/config";
import { simulatedProvider } from "../provider/simulatedProvider";
import { reconcilePayments } from "../reconciliation";

const USAGE = "usage: npm run reconcile -- [--first N (1-100000)] [--grace-seconds S]";

/** The options, or undefined when the arguments are not understood. */
function parseArguments(args: string[]): { first: number; graceSeconds?: number } | undefined {
  const options: { first: number; graceSeconds?: number } = { first: 100 };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (value === undefined || !/^\d+$/.test(value)) return undefined;
    if (flag === "--first" && Number(value) >= 1 && Number(value) <= 100_000) options.first = Number(value);
    else if (flag === "--grace-seconds") options.graceSeconds = Number(value);
    else return undefined;
  }
  return options;
}

async function main(): Promise<number> {
  const options = parseArguments(process.argv.slice(2));
  if (!options) {
    console.error(USAGE);
    return 2;
  }
  const config = loadPaymentProviderConfig(); // validates the database URLs too, naming the variable
  const prisma = createPaymentsPrisma(serviceDatabaseUrl("payments"), { queryEvents: false });
  const ledger = simulatedProvider(config.providerDatabaseUrl, {
    failureRate: config.failureRate,
    latencyMs: config.latencyMs,
  });
  try {
    const graceMs = (options.graceSeconds ?? config.reconcileGraceSeconds) * 1_000;
    const result = await reconcilePayments(prisma, ledger, { graceMs });
    console.log(
      `${result.checkedPayments} payment(s) and ${result.checkedKeys} provider key(s) checked, ${result.skippedPending} recent PENDING payment(s) skipped: ${result.mismatches.length} mismatch(es)`,
    );
    for (const m of result.mismatches.slice(0, options.first)) {
      console.log(
        `${m.reason}  key=${m.idempotencyKey}  payment=${m.paymentId ?? "-"}  order=${m.orderId ?? "-"}  state=${m.state ?? "-"}  expected=${m.expectedCents}  actual=${m.actualCents}`,
      );
    }
    return result.mismatches.length > 0 ? 1 : 0;
  } finally {
    await prisma.$disconnect();
    await ledger.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
