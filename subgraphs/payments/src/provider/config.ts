import { defineSection, loadConfig, serviceDatabaseUrl } from "@fedplat/runtime";
import { z } from "zod";

/** A postgresql:// URL, or unset (envVars.postgresUrl would default to the local database instead). */
export const optionalPostgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), "must be a postgresql:// URL")
  .optional();

/** The simulated payment provider, as payments, the workers (which charge it) and the reconcile CLI see it. */
export const paymentProviderSection = defineSection({
  path: "payments.provider",
  schema: z.object({
    databaseUrl: optionalPostgresUrl.describe(
      "The simulated provider's database (its ledger lives in schema provider); unset: the payments service's",
    ),
    failureRate: z.coerce
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe("Probability (0..1) that a charge fails: half declined, half a timeout after the money moved"),
    latencyMs: z.coerce
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(50)
      .describe("Mean latency of each provider call (charge or refund)"),
    reconcileGraceSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .max(30 * 24 * 3_600)
      .default(900)
      .describe(
        "Reconciliation skips PENDING payments younger than this: their saga may still be charging (far beyond the default retries)",
      ),
  }),
  env: {
    names: {
      databaseUrl: "PAYMENT_PROVIDER_DATABASE_URL",
      failureRate: "PAYMENT_FAILURE_RATE",
      latencyMs: "PAYMENT_LATENCY_MS",
      reconcileGraceSeconds: "PAYMENT_RECONCILE_GRACE_SECONDS",
    },
  },
  secrets: ["databaseUrl"],
});

export type PaymentProviderConfig = z.infer<typeof paymentProviderSection.schema> & { providerDatabaseUrl: string };

/** The provider's settings, validated (`env` in tests); its database defaults to the payments service's. */
export function loadPaymentProviderConfig(env?: NodeJS.ProcessEnv): PaymentProviderConfig {
  const { provider } = loadConfig({ provider: paymentProviderSection }, env ? { env, file: false } : {});
  return { ...provider, providerDatabaseUrl: provider.databaseUrl ?? serviceDatabaseUrl("payments", env) };
}
