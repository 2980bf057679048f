import { createHash } from "node:crypto";
import { defineSection, envVars } from "@fedplat/runtime";
import { z } from "zod";

/** The response cache (whole responses by their cache hints) and the prefix of every cache key. */
export const responseCacheSection = defineSection({
  path: "gateway.responseCache",
  schema: z.object({
    enabled: envVars.flag(true).describe("Cache whole responses by their cache hints (on/off)"),
    prefix: z
      .string()
      .regex(/^[\w.:-]{1,64}$/, "letters, digits, _ . : - (at most 64)")
      .default("fedplat")
      .describe("First part of every APQ and response cache key in Redis"),
  }),
  env: { names: { enabled: "RESPONSE_CACHE", prefix: "CACHE_PREFIX" } },
});

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
