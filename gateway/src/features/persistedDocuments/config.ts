import { resolve } from "node:path";
import { defineSection } from "@fedplat/runtime";
import { z } from "zod";
import { TRUSTED_DOCUMENTS_MODES, type TrustedDocumentsMode } from "./usePersistedDocuments";

/** Automatic persisted queries and trusted documents (usePersistedDocuments). */
export const persistedDocumentsSection = defineSection({
  path: "gateway.persistedDocuments",
  schema: z.object({
    mode: z
      .enum(TRUSTED_DOCUMENTS_MODES)
      .optional()
      .describe(
        "Trusted documents: enforce (only the manifest's operations), allow, or off; unset: enforce in production, allow elsewhere",
      ),
    manifestPath: z
      .string()
      .min(1)
      .default(resolve(__dirname, "../../../../packages/client/src/generated/persisted-documents.json"))
      .describe("Codegen's manifest of client operations (re-read on SIGHUP)"),
    apqTtlSeconds: z.coerce
      .number()
      .int()
      .min(1)
      .max(31_536_000)
      .default(86_400)
      .describe("How long an APQ hash is kept"),
  }),
  env: {
    names: { mode: "TRUSTED_DOCUMENTS", manifestPath: "PERSISTED_DOCUMENTS_PATH", apqTtlSeconds: "APQ_TTL_SECONDS" },
  },
});

export interface PersistedQueriesConfig {
  mode: TrustedDocumentsMode;
  manifestPath: string;
  ttlSeconds: number;
}

/** The section's values, the mode resolved from NODE_ENV when unset. */
export function persistedQueriesConfigOf(
  section: z.infer<typeof persistedDocumentsSection.schema>,
  production: boolean,
): PersistedQueriesConfig {
  return {
    mode: section.mode ?? (production ? "enforce" : "allow"),
    manifestPath: section.manifestPath,
    ttlSeconds: section.apqTtlSeconds,
  };
}
