import { resolve } from "node:path";
import { ConfigError, envVars, parseEnv } from "@fedplat/common";
import { z } from "zod";

const gatewayEnv = z.object({
  PORT: envVars.port(4000),
  NODE_ENV: envVars.nodeEnv,
  JWT_SECRET: envVars.secret,
  GATEWAY_SECRET: envVars.secret,
  SUPERGRAPH_PATH: z.string().min(1).default(resolve(__dirname, "../../supergraph.graphql")),
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
});

export type GatewayConfig = z.infer<typeof gatewayEnv> & {
  /** Override key (see overrideKey) -> URL, from SUBGRAPH_<NAME>_URL; replaces the join__graph URL. */
  subgraphUrls: Record<string, string>;
};

const OVERRIDE = /^SUBGRAPH_([A-Z0-9_]+)_URL$/;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const config = parseEnv(gatewayEnv, env);
  const subgraphUrls: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const match = OVERRIDE.exec(key);
    if (!match?.[1] || value === undefined) continue;
    if (!z.url({ protocol: /^https?$/ }).safeParse(value).success) throw new ConfigError(`Invalid configuration:\n  ${key}: must be an http(s) URL (currently ${JSON.stringify(value)})`);
    subgraphUrls[match[1]] = value;
  }
  return { ...config, subgraphUrls };
}

/** The <NAME> part of SUBGRAPH_<NAME>_URL for a subgraph name ("my-service" -> "MY_SERVICE"). */
export function overrideKey(subgraphName: string): string {
  return subgraphName.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** Subgraph names declared by a supergraph's join__graph enum. */
export function subgraphNames(supergraphSdl: string): string[] {
  return [...supergraphSdl.matchAll(/@join__graph\(name:\s*"([^"]+)"/g)].map((m) => m[1] ?? "");
}

/** Fails at start when an override names a subgraph the supergraph does not have. */
export function checkOverrides(subgraphUrls: Record<string, string>, supergraphSdl: string): void {
  const known = subgraphNames(supergraphSdl);
  for (const key of Object.keys(subgraphUrls)) {
    if (!known.some((name) => overrideKey(name) === key)) {
      throw new ConfigError(`Invalid configuration:\n  SUBGRAPH_${key}_URL: the supergraph has no such subgraph (it has: ${known.join(", ")})`);
    }
  }
}
