import { resolve } from "node:path";
import { envVars, parseEnv } from "@fedplat/runtime";
import { z } from "zod";
import { TRUSTED_DOCUMENTS_MODES, type TrustedDocumentsMode } from "./usePersistedDocuments";

const persistedQueriesEnv = z.object({
  NODE_ENV: envVars.nodeEnv,
  TRUSTED_DOCUMENTS: z.enum(TRUSTED_DOCUMENTS_MODES).optional(),
  PERSISTED_DOCUMENTS_PATH: z
    .string()
    .min(1)
    .default(resolve(__dirname, "../../../../packages/client/src/generated/persisted-documents.json")),
  APQ_TTL_SECONDS: z.coerce.number().int().min(1).max(31_536_000).default(86_400),
});

export interface PersistedQueriesConfig {
  /** TRUSTED_DOCUMENTS; `enforce` in production, `allow` elsewhere. */
  mode: TrustedDocumentsMode;
  /** PERSISTED_DOCUMENTS_PATH: codegen's manifest (reloaded on SIGHUP). */
  manifestPath: string;
  /** APQ_TTL_SECONDS. @default 86_400 */
  ttlSeconds: number;
}

export function loadPersistedQueriesConfig(env: NodeJS.ProcessEnv = process.env): PersistedQueriesConfig {
  const config = parseEnv(persistedQueriesEnv, env);
  return {
    mode: config.TRUSTED_DOCUMENTS ?? (config.NODE_ENV === "production" ? "enforce" : "allow"),
    manifestPath: config.PERSISTED_DOCUMENTS_PATH,
    ttlSeconds: config.APQ_TTL_SECONDS,
  };
}
