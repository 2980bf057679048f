import type { GatewayFeature } from "../../feature";
import type { StringCache } from "../responseCache/redisKeyValueCache";
import type { PersistedDocumentManifest } from "./persistedDocumentManifest";
import { createPersistedQueryCache } from "./persistedQueryCache";
import { type TrustedDocuments, type TrustedDocumentsMode, usePersistedDocuments } from "./usePersistedDocuments";

export {
  type PersistedDocumentManifest,
  loadPersistedDocumentManifest,
  parseManifest,
} from "./persistedDocumentManifest";
export {
  type Admission,
  createTrustedDocuments,
  type OperationRequest,
  type Rejection,
  TRUSTED_DOCUMENTS_MODES,
  type TrustedDocuments,
  type TrustedDocumentsMode,
} from "./usePersistedDocuments";

export interface PersistedQueriesOptions {
  /** Where APQ registrations live (Redis: every replica knows what any replica registered). */
  cache: StringCache;
  /** @default "off" */
  mode?: TrustedDocumentsMode;
  /** The trusted documents; required for `allow` and `enforce`. */
  manifest?: PersistedDocumentManifest;
  /** How long an APQ registration is kept, in seconds. @default 86_400 */
  ttlSeconds?: number;
}

/**
 * APQ (Apollo's protocol, also over GET) backed by `options.cache`, the manifest's documents known
 * by id without registration (`allow`, `enforce`), and the trusted-documents check before parsing.
 * Without options: Apollo's default in-memory APQ, and only malformed extensions are refused.
 */
export function createPersistedDocumentsFeature(
  options: PersistedQueriesOptions | undefined,
  trusted: TrustedDocuments,
): GatewayFeature {
  const manifest = trusted.mode === "off" ? undefined : options?.manifest;
  return {
    name: "persistedDocuments",
    middleware: [usePersistedDocuments(trusted)],
    ...(options
      ? {
          persistedQueries: {
            cache: createPersistedQueryCache(options.cache, manifest),
            ttl: options.ttlSeconds ?? 86_400,
          },
        }
      : {}),
  };
}
