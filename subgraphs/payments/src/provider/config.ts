import { parseEnv, serviceDatabaseUrl } from "@fedplat/runtime";
import { z } from "zod";

/** A postgresql:// URL, or unset (envVars.postgresUrl would default to the local database instead). */
export const optionalPostgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), "must be a postgresql:// URL")
  .optional();

const providerEnv = z.object({
  /** The simulated provider's database (it keeps its ledger in its own schema, "provider"). @default the payments service's database URL */
  PAYMENT_PROVIDER_DATABASE_URL: optionalPostgresUrl,
  /** Probability (0..1) that a charge fails: half declined, half a timeout after the money moved. */
  PAYMENT_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0.1),
  /** Mean latency of each provider call. */
  PAYMENT_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(50),
  /**
   * Reconciliation skips PENDING payments younger than this: their saga may still be charging.
   * 900 s is far beyond the default retries (5 attempts, backoff 1+2+4+8 s, plus latency).
   */
  PAYMENT_RECONCILE_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(30 * 24 * 3_600)
    .default(900),
});

export type PaymentProviderConfig = z.infer<typeof providerEnv> & { providerDatabaseUrl: string };

/** The provider's settings, validated; its database defaults to the payments service's. */
export function loadPaymentProviderConfig(env: NodeJS.ProcessEnv = process.env): PaymentProviderConfig {
  const config = parseEnv(providerEnv, env);
  return {
    ...config,
    providerDatabaseUrl: config.PAYMENT_PROVIDER_DATABASE_URL ?? serviceDatabaseUrl("payments", env),
  };
}
