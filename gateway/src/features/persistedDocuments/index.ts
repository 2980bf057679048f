import type { Logger } from "@fedplat/runtime";
import type { GatewayFeature, PrewarmQueryPlan } from "../../feature";
import type { StringCache } from "../responseCache/redisKeyValueCache";
import type { PersistedDocumentManifest } from "./persistedDocumentManifest";
import { createPersistedQueryCache } from "./persistedQueryCache";
import { prewarmPlans } from "./planPrewarm";
import { type TrustedDocuments, type TrustedDocumentsMode, usePersistedDocuments } from "./usePersistedDocuments";

export {
  type PersistedDocumentManifest,
  loadPersistedDocumentManifest,
  manifestOf,
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
 * With a manifest, the plans of its documents are built before the gateway serves (planPrewarm.ts).
 */
export function createPersistedDocumentsFeature(
  options: PersistedQueriesOptions | undefined,
  trusted: TrustedDocuments,
  logger: Logger,
): GatewayFeature {
  const manifest = trusted.mode === "off" ? undefined : options?.manifest;
  let prewarm: PrewarmQueryPlan | undefined;
  const prewarmAll = () => (manifest && prewarm ? prewarmPlans(manifest.documents(), prewarm, logger) : undefined);
  manifest?.onReload(() => void prewarmAll());
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
    attach: async (gateway) => {
      prewarm = gateway.prewarmQueryPlan;
      await prewarmAll();
    },
    // A new supergraph starts with an empty plan cache.
    supergraphChanged: () => void prewarmAll(),
    // The manifest outlives this gateway (tests build several on one): its reloads plan nothing here once closed.
    close: async () => {
      prewarm = undefined;
    },
  };
}
