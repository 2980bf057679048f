import { createHash } from "node:crypto";
import { envVars, parseEnv } from "@fedplat/runtime";
import { z } from "zod";

const cachingEnv = z.object({
  REDIS_URL: envVars.redisUrl,
  RESPONSE_CACHE: z.enum(["on", "off"]).default("on"),
  CACHE_PREFIX: z
    .string()
    .regex(/^[\w.:-]{1,64}$/, "letters, digits, _ . : - (at most 64)")
    .default("fedplat"),
});

export interface CachingConfig {
  /** RESPONSE_CACHE=on|off. @default on */
  responseCache: boolean;
  /** CACHE_PREFIX: first part of every APQ and response cache key in Redis. @default "fedplat" */
  prefix: string;
  redisUrl: string;
}

export function loadCachingConfig(env: NodeJS.ProcessEnv = process.env): CachingConfig {
  const config = parseEnv(cachingEnv, env);
  return { responseCache: config.RESPONSE_CACHE === "on", prefix: config.CACHE_PREFIX, redisUrl: config.REDIS_URL };
}

/**
 * Response cache keys are scoped to the graph that computed them (supergraph and subgraph URLs):
 * replicas of one deployment share entries; another supergraph or another set of subgraphs (a
 * deploy, a second environment on the same Redis) never reads them.
 */
export function responseCachePrefix(
  prefix: string,
  supergraphSdl: string,
  subgraphUrls: Record<string, string>,
): string {
  const graph = createHash("sha256")
    .update(supergraphSdl)
    .update(JSON.stringify(Object.entries(subgraphUrls).sort()))
    .digest("hex")
    .slice(0, 16);
  return `${prefix}:rc:${graph}:`;
}
