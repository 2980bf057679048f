import type { ApolloServerOptions } from "@apollo/server";
import type { RequestHandler } from "express";
import type { StringCache } from "../responseCache/redisKeyValueCache";
import type { PersistedDocumentManifest } from "./persistedDocumentManifest";
import { createPersistedQueryCache } from "./persistedQueryCache";
import { type TrustedDocumentsMode, usePersistedDocuments } from "./usePersistedDocuments";

export { type PersistedDocumentManifest, loadPersistedDocumentManifest, parseManifest } from "./persistedDocumentManifest";
export { type OperationRequest, type Rejection, TRUSTED_DOCUMENTS_MODES, type TrustedDocumentsMode, trustedDocumentRejection } from "./usePersistedDocuments";

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
 * APQ (Apollo's protocol, also over GET) backed by `cache`, the manifest's documents known by id
 * without registration (`allow`, `enforce`), and the request check that runs before parsing.
 * Without options: Apollo's default in-memory APQ, and only malformed extensions are refused.
 */
export function usePersistedQueries(options?: PersistedQueriesOptions): {
  apollo: ApolloServerOptions<never>["persistedQueries"];
  middleware: RequestHandler;
  /** The same rules for other transports (graphql-ws subscribe messages). */
  trustedDocuments: { mode: TrustedDocumentsMode; manifest?: PersistedDocumentManifest };
} {
  const mode = options?.mode ?? "off";
  if (mode !== "off" && !options?.manifest) throw new Error(`Trusted documents "${mode}" needs a persisted-documents manifest`);
  const manifest = mode === "off" ? undefined : options?.manifest;
  return {
    apollo: options ? { cache: createPersistedQueryCache(options.cache, manifest), ttl: options.ttlSeconds ?? 86_400 } : undefined,
    middleware: usePersistedDocuments({ mode, ...(manifest ? { manifest } : {}) }),
    trustedDocuments: { mode, ...(manifest ? { manifest } : {}) },
  };
}
