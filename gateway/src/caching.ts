import { ConfigError, type Logger } from "@fedplat/runtime";
import {
  loadPersistedDocumentManifest,
  type PersistedDocumentManifest,
  type PersistedQueriesOptions,
} from "./features/persistedDocuments";
import type { PersistedQueriesConfig } from "./features/persistedDocuments/config";
import { createCacheRedis } from "./features/responseCache/cacheRedis";
import { responseCachePrefix } from "./features/responseCache/config";
import { createRedisKeyValueCache, type StringCache } from "./features/responseCache/redisKeyValueCache";

export interface GatewayCaching {
  /** For buildGateway. */
  options: { persistedQueries: PersistedQueriesOptions; responseCache?: StringCache };
  close(): Promise<void>;
}

/**
 * APQ, trusted documents and the response cache (gateway.persistedDocuments, gateway.responseCache).
 * The manifest is re-read on SIGHUP (`kill -HUP <pid>`): a deploy of new client operations needs
 * no gateway restart; a file that fails its checks leaves the previous documents in force.
 */
export function createGatewayCaching(input: {
  supergraphSdl: string;
  subgraphUrls: Record<string, string>;
  logger: Logger;
  redisUrl: string;
  persistedQueries: PersistedQueriesConfig;
  responseCache: { enabled: boolean; prefix: string };
}): GatewayCaching {
  const { logger, persistedQueries: persisted, responseCache: caching } = input;
  const redis = createCacheRedis(input.redisUrl);
  redis.on("error", (error) => logger.warn({ err: error }, "cache redis connection error"));

  let manifest: PersistedDocumentManifest | undefined;
  let reload: (() => void) | undefined;
  if (persisted.mode !== "off") {
    let loaded: PersistedDocumentManifest;
    try {
      loaded = loadPersistedDocumentManifest(persisted.manifestPath, logger);
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === "ENOENT"
          ? `cannot read ${persisted.manifestPath} (run \`npm run codegen\`)`
          : (error as Error).message;
      throw new ConfigError(
        `Invalid configuration:\n  PERSISTED_DOCUMENTS_PATH: ${reason} (or set TRUSTED_DOCUMENTS=off)`,
      );
    }
    manifest = loaded;
    reload = () => {
      try {
        loaded.reload();
      } catch (error) {
        logger.error({ err: error }, "persisted-documents manifest not reloaded; the previous one stays in force");
      }
    };
    process.on("SIGHUP", reload);
  }
  logger.info({ trustedDocuments: persisted.mode, responseCache: caching.enabled }, "caching configured");
  return {
    options: {
      persistedQueries: {
        cache: createRedisKeyValueCache(redis, `${caching.prefix}:apq:`, logger),
        mode: persisted.mode,
        ttlSeconds: persisted.ttlSeconds,
        ...(manifest ? { manifest } : {}),
      },
      ...(caching.enabled
        ? {
            responseCache: createRedisKeyValueCache(
              redis,
              responseCachePrefix(caching.prefix, input.supergraphSdl, input.subgraphUrls),
              logger,
            ),
          }
        : {}),
    },
    close: async () => {
      if (reload) process.off("SIGHUP", reload);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
