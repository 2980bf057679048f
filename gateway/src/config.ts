import { isIP } from "node:net";
import { resolve } from "node:path";
import {
  adminListenerOf,
  type AdminListener,
  type ConfigFile,
  ConfigError,
  defineSection,
  envVars,
  loadConfig,
  processSection,
  redisSection,
} from "@fedplat/runtime";
import { keyVars, type SigningKey } from "@fedplat/auth";
import { liveUpdatesSection } from "@fedplat/events";
import { z } from "zod";
import { httpSection, type HttpServerLimits } from "./httpServerLimits";
import type { GatewayLimits } from "./limits";
import { authorizationSection } from "./features/authorization/config";
import { type IdentityConfig, identityConfigOf, identitySection } from "./features/identity/config";
import { corsSection } from "./features/cors/config";
import type { CorsOptions } from "./features/cors";
import type { HeaderPropagation } from "./features/headerPropagation";
import { headerPropagationSection } from "./features/headerPropagation/config";
import { type DemandControlOptions, demandControlSection } from "./features/demandControl/config";
import { limitsSection } from "./features/limits/config";
import {
  persistedDocumentsSection,
  persistedQueriesConfigOf,
  type PersistedQueriesConfig,
} from "./features/persistedDocuments/config";
import { rateLimitsSection } from "./features/rateLimits/config";
import { type ProgressiveOverrideConfig, progressiveOverrideSection } from "./features/progressiveOverride/config";
import { resilienceSection } from "./features/resilience/config";
import type { ResiliencePolicy } from "./features/resilience/subgraphBreakers";
import { responseCacheSection } from "./features/responseCache/config";
import { subscriptionsConfigOf, subscriptionsSection, type SubscriptionsConfig } from "./features/subscriptions/config";
import { type SubgraphTlsOptions, subgraphTlsOf, subgraphTlsSection } from "./transport/subgraphTls";
import { type UploadsConfig, uploadsSection } from "./features/uploads/config";

const TIMEOUT_HELP = "must be a whole number of milliseconds from 100 to 120000";
const timeoutMs = z.coerce.number(TIMEOUT_HELP).int(TIMEOUT_HELP).min(100, TIMEOUT_HELP).max(120_000, TIMEOUT_HELP);

/** Where the gateway listens, which supergraph it serves and how it calls the subgraphs. */
export const gatewaySection = defineSection({
  path: "gateway",
  schema: z.object({
    port: envVars.port(4000).describe("HTTP and WebSocket port"),
    trustProxy: z
      .union([z.boolean(), z.number()])
      .transform(String)
      .or(z.string())
      .default("false")
      .transform(parseTrustProxy)
      .describe(
        'Which proxies\' X-Forwarded-For to believe: false, true, a hop count, or proxy addresses/CIDRs ("10.0.0.0/8,loopback"); see docs/security.md',
      ),
    supergraphPath: z
      .string()
      .min(1)
      .default(resolve(__dirname, "../../supergraph.graphql"))
      .describe("The composed supergraph (`npm run compose`); a change of its content is served without a restart"),
    supergraphUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe("Instead of the file: a URL serving the supergraph SDL, polled (with If-None-Match) for newer ones"),
    supergraphPollMs: z.coerce
      .number()
      .int()
      .min(0)
      .max(3_600_000)
      .default(1_000)
      .describe("How often the supergraph file or URL is checked for a new supergraph; 0: never (a restart is needed)"),
    subgraphTimeoutMs: timeoutMs.default(10_000).describe("Time limit of each subgraph fetch"),
    subgraphTimeouts: z
      .record(z.string(), timeoutMs)
      .default({})
      .describe("Per subgraph (ORDERS: 30000): its own fetch time limit"),
    subgraphUrls: z
      .record(z.string(), z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }))
      .default({})
      .describe("Per subgraph (ACCOUNTS: http://...): replaces the supergraph's routing URL"),
    subgraphDedupe: envVars.flag(true).describe("Identical in-flight subgraph queries of one viewer share one fetch"),
    operationDedupe: envVars
      .flag(true)
      .describe("Identical in-flight queries of one viewer share one execution (plan, fetches, merging)"),
    signingKey: keyVars.signingKey.describe(
      "The gateway's private Ed25519 JWK: signs the identity each subgraph verifies",
    ),
    entityCache: envVars
      .flag(false)
      .describe(
        "Reuse entity fetches a subgraph answers as public for their max-age (stock may then be up to 10 s old)",
      ),
  }),
  env: {
    names: {
      port: "PORT",
      trustProxy: "TRUST_PROXY",
      supergraphPath: "SUPERGRAPH_PATH",
      supergraphUrl: "SUPERGRAPH_URL",
      supergraphPollMs: "SUPERGRAPH_POLL_MS",
      subgraphTimeoutMs: "SUBGRAPH_TIMEOUT_MS",
      subgraphDedupe: "SUBGRAPH_DEDUPE",
      operationDedupe: "OPERATION_DEDUPE",
      entityCache: "ENTITY_CACHE",
      signingKey: "GATEWAY_SIGNING_KEY",
    },
  },
  envMaps: [
    { option: "subgraphUrls", pattern: /^SUBGRAPH_([A-Z0-9_]+)_URL$/ },
    { option: "subgraphTimeouts", pattern: /^SUBGRAPH_([A-Z0-9_]+)_TIMEOUT_MS$/ },
  ],
  secrets: ["signingKey"],
});

/** Every section the gateway process reads; `npm run config` prints them. */
export const gatewaySections = {
  process: processSection,
  redis: redisSection,
  gateway: gatewaySection,
  subgraphTls: subgraphTlsSection,
  cors: corsSection,
  headerPropagation: headerPropagationSection,
  http: httpSection,
  identity: identitySection,
  authorization: authorizationSection,
  limits: limitsSection,
  demandControl: demandControlSection,
  rateLimits: rateLimitsSection,
  resilience: resilienceSection,
  progressiveOverride: progressiveOverrideSection,
  subscriptions: subscriptionsSection,
  liveUpdates: liveUpdatesSection,
  persistedDocuments: persistedDocumentsSection,
  responseCache: responseCacheSection,
  uploads: uploadsSection,
};

/** The gateway's whole configuration, shaped as buildGateway and its features take it. */
export interface GatewayConfig {
  port: number;
  production: boolean;
  redisUrl: string;
  supergraphPath: string;
  supergraphUrl?: string;
  supergraphPollMs: number;
  /** Override key (see overrideKey) -> URL; replaces the join__graph URL. */
  subgraphUrls: Record<string, string>;
  /** Override key -> fetch timeout; others use subgraphTimeoutMs. */
  subgraphTimeouts: Record<string, number>;
  subgraphTimeoutMs: number;
  /** Override key -> client certificate, key and CA of its HTTPS calls (transport/subgraphTls.ts). */
  subgraphTls: Record<string, SubgraphTlsOptions>;
  subgraphDedupe: boolean;
  operationDedupe: boolean;
  entityCache: boolean;
  limits: GatewayLimits;
  demandControl: DemandControlOptions;
  http: HttpServerLimits;
  /** Which browser origins may call /graphql (features/cors). */
  cors: CorsOptions;
  /** Client headers copied to subgraph calls: for all, and per override key (features/headerPropagation). */
  headerPropagation: HeaderPropagation;
  /** Roles, token issuers and the API-key resolver (features/identity/config.ts). */
  identity: IdentityConfig;
  sessionCheckMs: number;
  /** A module of `@policy` deciders (features/authorization/policies.ts); unset: the built-in role policies. */
  authorizationPolicies?: string;
  signingKey: SigningKey;
  /** Express "trust proxy": false, true, a hop count, or a validated address/CIDR list. */
  trustProxy: boolean | number | string;
  resilience: ResiliencePolicy;
  progressiveOverride: ProgressiveOverrideConfig;
  subscriptions: SubscriptionsConfig;
  persistedQueries: PersistedQueriesConfig;
  responseCache: { enabled: boolean; prefix: string };
  uploads: UploadsConfig;
  admin?: AdminListener;
}

/**
 * The gateway's configuration from fedplat.config.yaml and the environment (one loader for the
 * whole process; see packages/runtime/src/config). Tests pass `env` alone.
 */
export function loadGatewayConfig(env?: NodeJS.ProcessEnv, file?: ConfigFile): GatewayConfig {
  const c = loadConfig(gatewaySections, env ? { env, file: file ?? false } : {});
  const production = c.process.nodeEnv === "production";
  const { bodyLimit, maxDepth, maxAliases, maxRootFields, maxDirectives, ...request } = c.limits;
  return {
    port: c.gateway.port,
    production,
    redisUrl: c.redis.url,
    supergraphPath: c.gateway.supergraphPath,
    ...(c.gateway.supergraphUrl ? { supergraphUrl: c.gateway.supergraphUrl } : {}),
    supergraphPollMs: c.gateway.supergraphPollMs,
    subgraphUrls: c.gateway.subgraphUrls,
    subgraphTimeouts: c.gateway.subgraphTimeouts,
    subgraphTimeoutMs: c.gateway.subgraphTimeoutMs,
    subgraphTls: subgraphTlsOf(c.subgraphTls),
    subgraphDedupe: c.gateway.subgraphDedupe,
    operationDedupe: c.gateway.operationDedupe,
    entityCache: c.gateway.entityCache,
    limits: {
      query: { maxDepth, maxAliases, maxRootFields, maxDirectives },
      request,
      rate: c.rateLimits,
      bodyLimit,
    },
    demandControl: c.demandControl,
    http: c.http,
    cors: c.cors,
    headerPropagation: { all: c.headerPropagation.all, subgraphs: c.headerPropagation.subgraphs },
    identity: identityConfigOf(c.identity),
    sessionCheckMs: c.identity.sessionCheckMs,
    ...(c.authorization.policies ? { authorizationPolicies: c.authorization.policies } : {}),
    signingKey: c.gateway.signingKey,
    trustProxy: c.gateway.trustProxy,
    resilience: c.resilience,
    progressiveOverride: { labels: c.progressiveOverride.labels, header: c.progressiveOverride.header.toLowerCase() },
    subscriptions: subscriptionsConfigOf(c.subscriptions, c.liveUpdates),
    persistedQueries: persistedQueriesConfigOf(c.persistedDocuments, production),
    responseCache: c.responseCache,
    uploads: c.uploads,
    ...(production ? { admin: adminListenerOf(true, env) } : {}),
  };
}

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
  subgraphTls: Record<string, SubgraphTlsOptions> = {},
  headerRules: Record<string, unknown> = {},
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
  for (const key of Object.keys(subgraphTls)) check(key, `SUBGRAPH_${key}_TLS_*`);
  for (const key of Object.keys(headerRules)) check(key, `SUBGRAPH_${key}_PROPAGATE_HEADERS`);
}
