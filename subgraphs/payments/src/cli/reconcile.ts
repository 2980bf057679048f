/**
 * `npm run reconcile -- [--first N] [--grace-seconds S]`: compares the payments with the payment
 * provider's ledger and prints every mismatch (the first N, default 100). Exits 0 when they
 * agree, 1 when there is a mismatch, 2 on bad usage. Databases as for the services:
 * PAYMENTS_DATABASE_URL (else DATABASE_URL) and PAYMENT_PROVIDER_DATABASE_URL (else the former).
 */
import { exitWithUsageError, parseCommandLine, serviceDatabaseUrl } from "@fedplat/runtime";
import { createPaymentsPrisma } from "../db";
import { loadPaymentProviderConfig } from "../provider/config";
import { simulatedProvider } from "../provider/simulatedProvider";
import { reconcilePayments } from "../reconciliation";

const USAGE = `usage: npm run reconcile -- [options]

options:
  --first N            print at most N mismatches (1-100000, default 100)
  --grace-seconds S    skip PENDING payments younger than S seconds (default PAYMENT_RECONCILE_GRACE_SECONDS)
  -h, --help           print this text

exit codes: 0 payments and ledger agree, 1 a mismatch, 2 wrong usage or an error`;

/** A whole number from `--name value` within [min, max], or exit 2 with the usage. */
function wholeNumber(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    exitWithUsageError(USAGE, `--${name} takes a whole number from ${min} to ${max}, not "${value}"`);
  return Number(value);
}

async function main(): Promise<number> {
  const { values } = parseCommandLine({
    usage: USAGE,
    options: { first: { type: "string" }, "grace-seconds": { type: "string" } },
  });
  const options = {
    first: values.first === undefined ? 100 : wholeNumber("first", values.first, 1, 100_000),
    graceSeconds:
      values["grace-seconds"] === undefined
        ? undefined
        : wholeNumber("grace-seconds", values["grace-seconds"], 0, Number.MAX_SAFE_INTEGER),
  };
  const config = loadPaymentProviderConfig();
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
