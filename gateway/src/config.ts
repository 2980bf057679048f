import { isIP } from "node:net";
import { resolve } from "node:path";
import { ConfigError, envVars, parseEnv } from "@fedplat/runtime";
import { keyVars } from "@fedplat/auth";
import { z } from "zod";
import { defaultHttpServerLimits, type HttpServerLimits } from "./httpServerLimits";
import { defaultLimits, type GatewayLimits } from "./limits";
import { defaultResilience, type ResiliencePolicy } from "./features/resilience/subgraphBreakers";
import { type IdentityConfig, loadIdentityConfig } from "./features/identity/config";

const timeoutMs = z.coerce.number().int().min(100).max(120_000);
const count = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);
const { query, request, rate } = defaultLimits;

const gatewayEnv = z.object({
  PORT: envVars.port(4000),
  REDIS_URL: envVars.redisUrl,
  /**
   * Which proxies' X-Forwarded-For to believe, so per-IP limits see the client's address: "false"
   * (the socket's peer is the client), a hop count ("1": one load balancer in front), or a
   * comma-separated list of the proxies' addresses/CIDRs ("10.0.0.0/8,fd00::/8", or "loopback",
   * "linklocal", "uniquelocal"). "true" believes any client. See docs/security.md.
   */
  TRUST_PROXY: z.string().default("false").transform(parseTrustProxy),
  GRAPHQL_MAX_DEPTH: count(query.maxDepth),
  GRAPHQL_MAX_COST: count(query.maxCost),
  GRAPHQL_MAX_ALIASES: count(query.maxAliases),
  GRAPHQL_MAX_ROOT_FIELDS: count(query.maxRootFields),
  GRAPHQL_MAX_DIRECTIVES: count(query.maxDirectives),
  GRAPHQL_MAX_TOKENS: count(request.maxTokens),
  GRAPHQL_MAX_EXPANDED_FIELDS: count(request.maxExpandedFields),
  GRAPHQL_MAX_BATCH: count(request.maxBatch),
  GRAPHQL_MAX_VARIABLES_BYTES: count(request.maxVariablesBytes),
  /** Slow or oversized requests (httpServerLimits.ts): headers must arrive within HTTP_HEADERS_TIMEOUT_MS, the whole request within HTTP_REQUEST_TIMEOUT_MS. */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(120_000)
    .default(defaultHttpServerLimits.headersTimeoutMs),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(600_000)
    .default(defaultHttpServerLimits.requestTimeoutMs),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(600_000)
    .default(defaultHttpServerLimits.keepAliveTimeoutMs),
  HTTP_MAX_HEADER_BYTES: z.coerce
    .number()
    .int()
    .min(4_096)
    .max(262_144)
    .default(defaultHttpServerLimits.maxHeaderBytes),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, "must look like 100kb or 1mb")
    .default(defaultLimits.bodyLimit),
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: count(rate.anonymousPerMinute),
  RATE_LIMIT_USER_PER_MINUTE: count(rate.userPerMinute),
  RATE_LIMIT_API_KEY_PER_MINUTE: count(rate.apiKeyPerMinute),
  /** Every request per client IP, counted before credentials are looked up. */
  RATE_LIMIT_IP_PER_MINUTE: count(rate.ipPerMinute ?? 1_200),
  /** Requests refused for a bad token or API key per client IP; beyond it the IP is refused before any look-up. */
  RATE_LIMIT_INVALID_CREDENTIALS_PER_MINUTE: count(rate.invalidCredentialsPerMinute ?? 20),
  NODE_ENV: envVars.nodeEnv,
  /**
   * How long a replica reuses a user's session state (token version, role, disabled): logout,
   * changePassword, setUserRole and setUserDisabled apply to access tokens within this (max 5 s).
   */
  SESSION_CHECK_MS: z.coerce.number().int().min(100).max(5_000).default(3_000),
  /** The gateway's private Ed25519 JWK (with its kid): signs the identity each subgraph verifies with GATEWAY_VERIFY_KEYS. */
  GATEWAY_SIGNING_KEY: keyVars.signingKey,
  SUPERGRAPH_PATH: z.string().min(1).default(resolve(__dirname, "../../supergraph.graphql")),
  SUBGRAPH_TIMEOUT_MS: timeoutMs.default(10_000),
  SUBGRAPH_QUERY_RETRIES: z.coerce.number().int().min(0).max(5).default(defaultResilience.queryRetries),
  CIRCUIT_ERROR_THRESHOLD_PERCENT: z.coerce.number().min(1).max(100).default(defaultResilience.errorThresholdPercent),
  CIRCUIT_WINDOW_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(defaultResilience.windowMs),
  CIRCUIT_RESET_MS: z.coerce.number().int().min(100).max(3_600_000).default(defaultResilience.resetMs),
  CIRCUIT_MIN_REQUESTS: z.coerce.number().int().min(0).max(100_000).default(defaultResilience.minRequests),
  /** Identical in-flight subgraph queries of one viewer share one fetch (see inFlightDedupe.ts). */
  SUBGRAPH_DEDUPE: z
    .enum(["true", "false"])
    .default("true")
    .transform((value) => value === "true"),
  /**
   * Entity fetches a subgraph answers as public are reused for their max-age (see entityCache.ts).
   * Off by default: the hints let a product's stock be up to 10 s old in any response that shows it.
   */
  ENTITY_CACHE: z
    .enum(["on", "off"])
    .default("off")
    .transform((value) => value === "on"),
});

export type GatewayConfig = z.infer<typeof gatewayEnv> & {
  /** Override key (see overrideKey) -> URL, from SUBGRAPH_<NAME>_URL; replaces the join__graph URL. */
  subgraphUrls: Record<string, string>;
  /** Override key -> fetch timeout, from SUBGRAPH_<NAME>_TIMEOUT_MS; others use SUBGRAPH_TIMEOUT_MS. */
  subgraphTimeouts: Record<string, number>;
  limits: GatewayLimits;
  http: HttpServerLimits;
  /** Roles, token issuers and the API-key resolver: JWT_*, IDENTITY_* and API_KEY_RESOLVER (features/identity/config.ts). */
  identity: IdentityConfig;
  /** Express "trust proxy" from TRUST_PROXY: false, true, a hop count, or a validated address/CIDR list. */
  trustProxy: boolean | number | string;
  resilience: ResiliencePolicy;
};

const NAMED_SUBNETS = new Set(["loopback", "linklocal", "uniquelocal"]);
const TRUST_PROXY_HELP =
  'must be true, false, a hop count (e.g. 1) or a comma-separated list of proxy addresses/CIDRs (e.g. "10.0.0.0/8,fd00::/8" or "loopback")';

/** An entry of a TRUST_PROXY list that express (proxy-addr) would refuse or misread, or undefined. */
function badTrustedAddress(entry: string): string | undefined {
  if (NAMED_SUBNETS.has(entry)) return undefined;
  const [address = "", prefix, ...rest] = entry.split("/");
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return `"${entry}" is not an IP address or CIDR`;
  if (prefix === undefined) return undefined;
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
  return bits <= (version === 4 ? 32 : 128) ? undefined : `"${entry}" has an invalid prefix length`;
}

/** TRUST_PROXY as express's "trust proxy" setting: false, true, a hop count, or an address/CIDR list. */
function parseTrustProxy(value: string, context: z.RefinementCtx): boolean | number | string {
  const trimmed = value.trim();
  if (trimmed === "true" || trimmed === "false") return trimmed === "true";
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const entries = trimmed.split(",").map((entry) => entry.trim());
  const problems = entries.map((entry) => (entry ? badTrustedAddress(entry) : "an empty entry")).filter(Boolean);
  if (problems.length > 0) {
    context.addIssue({ code: "custom", message: `${TRUST_PROXY_HELP}; ${problems.join(", ")}` });
    return z.NEVER;
  }
  return entries.join(",");
}

const OVERRIDE = /^SUBGRAPH_([A-Z0-9_]+)_URL$/;
const TIMEOUT_OVERRIDE = /^SUBGRAPH_([A-Z0-9_]+)_TIMEOUT_MS$/;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const config = parseEnv(gatewayEnv, env);
  const subgraphUrls: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const match = OVERRIDE.exec(key);
    if (!match?.[1] || value === undefined) continue;
    if (!z.url({ protocol: /^https?$/ }).safeParse(value).success)
      throw new ConfigError(
        `Invalid configuration:\n  ${key}: must be an http(s) URL (currently ${JSON.stringify(value)})`,
      );
    subgraphUrls[match[1]] = value;
  }
  const subgraphTimeouts: Record<string, number> = {};
  for (const [key, value] of Object.entries(env)) {
    const match = TIMEOUT_OVERRIDE.exec(key);
    if (!match?.[1] || value === undefined) continue;
    const parsed = timeoutMs.safeParse(value);
    if (!parsed.success)
      throw new ConfigError(
        `Invalid configuration:\n  ${key}: must be a whole number of milliseconds from 100 to 120000 (currently ${JSON.stringify(value)})`,
      );
    subgraphTimeouts[match[1]] = parsed.data;
  }
  const limits: GatewayLimits = {
    query: {
      maxDepth: config.GRAPHQL_MAX_DEPTH,
      maxCost: config.GRAPHQL_MAX_COST,
      maxAliases: config.GRAPHQL_MAX_ALIASES,
      maxRootFields: config.GRAPHQL_MAX_ROOT_FIELDS,
      maxDirectives: config.GRAPHQL_MAX_DIRECTIVES,
    },
    request: {
      maxBatch: config.GRAPHQL_MAX_BATCH,
      maxVariablesBytes: config.GRAPHQL_MAX_VARIABLES_BYTES,
      maxTokens: config.GRAPHQL_MAX_TOKENS,
      maxExpandedFields: config.GRAPHQL_MAX_EXPANDED_FIELDS,
    },
    rate: {
      anonymousPerMinute: config.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
      userPerMinute: config.RATE_LIMIT_USER_PER_MINUTE,
      apiKeyPerMinute: config.RATE_LIMIT_API_KEY_PER_MINUTE,
      ipPerMinute: config.RATE_LIMIT_IP_PER_MINUTE,
      invalidCredentialsPerMinute: config.RATE_LIMIT_INVALID_CREDENTIALS_PER_MINUTE,
    },
    bodyLimit: config.BODY_LIMIT,
  };
  // Node refuses a headers timeout longer than the request timeout; say which variables disagree.
  if (config.HTTP_HEADERS_TIMEOUT_MS > config.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      `Invalid configuration:\n  HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (${config.HTTP_REQUEST_TIMEOUT_MS}) (currently ${config.HTTP_HEADERS_TIMEOUT_MS})`,
    );
  }
  const http: HttpServerLimits = {
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    maxHeaderBytes: config.HTTP_MAX_HEADER_BYTES,
  };
  const resilience: ResiliencePolicy = {
    errorThresholdPercent: config.CIRCUIT_ERROR_THRESHOLD_PERCENT,
    windowMs: config.CIRCUIT_WINDOW_MS,
    resetMs: config.CIRCUIT_RESET_MS,
    minRequests: config.CIRCUIT_MIN_REQUESTS,
    queryRetries: config.SUBGRAPH_QUERY_RETRIES,
  };
  return {
    ...config,
    subgraphUrls,
    subgraphTimeouts,
    limits,
    http,
    resilience,
    identity: loadIdentityConfig(env),
    trustProxy: config.TRUST_PROXY,
  };
}

/** The <NAME> part of SUBGRAPH_<NAME>_URL for a subgraph name ("my-service" -> "MY_SERVICE"). */
export function overrideKey(subgraphName: string): string {
  return subgraphName.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** Subgraph name -> routing URL, from a supergraph's join__graph enum. */
export function subgraphUrlsIn(supergraphSdl: string): Record<string, string> {
  return Object.fromEntries(
    [...supergraphSdl.matchAll(/@join__graph\(name:\s*"([^"]+)",\s*url:\s*"([^"]*)"\)/g)].map((m) => [
      m[1] ?? "",
      m[2] ?? "",
    ]),
  );
}

/** Subgraph names declared by a supergraph's join__graph enum. */
export function subgraphNames(supergraphSdl: string): string[] {
  return Object.keys(subgraphUrlsIn(supergraphSdl));
}

/** Fails at start when an override names a subgraph the supergraph does not have. */
export function checkOverrides(
  subgraphUrls: Record<string, string>,
  supergraphSdl: string,
  subgraphTimeouts: Record<string, number> = {},
): void {
  const known = subgraphNames(supergraphSdl);
  const check = (key: string, variable: string) => {
    if (!known.some((name) => overrideKey(name) === key)) {
      throw new ConfigError(
        `Invalid configuration:\n  ${variable}: the supergraph has no such subgraph (it has: ${known.join(", ")})`,
      );
    }
  };
  for (const key of Object.keys(subgraphUrls)) check(key, `SUBGRAPH_${key}_URL`);
  for (const key of Object.keys(subgraphTimeouts)) check(key, `SUBGRAPH_${key}_TIMEOUT_MS`);
}
