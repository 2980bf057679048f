import { type IdentityTrust, identityTrustSection, parseVerifyKeys, type VerifyKeys } from "@fedplat/auth";
import {
  ConfigError,
  databaseSection,
  defineSection,
  envVars,
  loadConfig,
  processSection,
  serviceDatabaseUrl,
} from "@fedplat/runtime";
import { z } from "zod";

/** The variable holding a calling service's public keys, e.g. ORDERS_SERVICE_VERIFY_KEYS. */
export const serviceVerifyKeysVar = (service: string) => `${service.toUpperCase()}_SERVICE_VERIFY_KEYS`;

/**
 * Where a subgraph listens. Its path is `subgraphs.<name>` (not `<name>`, where the service's own
 * options live, e.g. accounts' login throttle), so the file can hold both.
 */
export const subgraphServerSection = (name: string, defaultPort: number) =>
  defineSection({
    path: `subgraphs.${name}`,
    schema: z.object({
      port: envVars.port(defaultPort).describe("The GraphQL port (0: a free one); `npm start` sets each service's own"),
      tlsCert: envVars.pemFile.optional().describe("Serve HTTPS: the server certificate (PEM file path)"),
      tlsKey: envVars.pemFile.optional().describe("The server certificate's private key (PEM file path)"),
      tlsCa: envVars.pemFile
        .optional()
        .describe("CA certificates (PEM file path) that client certificates must chain to (mTLS)"),
      tlsRequireClientCert: envVars
        .flag(false)
        .describe("With HTTPS: refuse connections without a client certificate signed by tlsCa (mTLS)"),
    }),
    env: {
      names: {
        port: "PORT",
        tlsCert: "TLS_CERT",
        tlsKey: "TLS_KEY",
        tlsCa: "TLS_CA",
        tlsRequireClientCert: "TLS_REQUIRE_CLIENT_CERT",
      },
    },
    secrets: ["tlsKey"],
  });

/** A subgraph's HTTPS server: PEM texts, and whether clients must present a certificate (mTLS). */
export interface SubgraphTls {
  cert: string;
  key: string;
  /** CA certificates client certificates must chain to. */
  ca?: string;
  /** Refuse a TLS handshake without a client certificate signed by `ca`. @default false */
  requireClientCert: boolean;
}

/** Every section a subgraph process loads before its own: for `npm run config` and runSubgraph. */
export const subgraphSectionsOf = (name: string, defaultPort: number) => ({
  process: processSection,
  database: databaseSection,
  identityTrust: identityTrustSection,
  server: subgraphServerSection(name, defaultPort),
});

export interface SubgraphConfig {
  port: number;
  /** HTTPS (and mTLS) when a certificate is configured. */
  tls?: SubgraphTls;
  production: boolean;
  databaseUrl: string;
  identityTrust: IdentityTrust;
}

/**
 * A subgraph's validated configuration (`env` in tests, else the process's file and environment).
 * Each service it trusts must have its keys (`<NAME>_SERVICE_VERIFY_KEYS`); others' are not read.
 */
export function loadSubgraphConfig(
  options: { name: string; defaultPort: number; trustsServices?: readonly string[] },
  env?: NodeJS.ProcessEnv,
): SubgraphConfig {
  const config = loadConfig(subgraphSectionsOf(options.name, options.defaultPort), env ? { env, file: false } : {});
  const problems: string[] = [];
  const services: Record<string, VerifyKeys> = {};
  for (const service of options.trustsServices ?? []) {
    const option = `${identityTrustSection.path}.serviceVerifyKeys.${service.toUpperCase()}`;
    const value = config.identityTrust.serviceVerifyKeys[service.toUpperCase()];
    if (value === undefined) {
      problems.push(
        `  ${serviceVerifyKeysVar(service)}: required: a JSON array of public Ed25519 JWKs (run \`npm run setup\` to generate it into .env) (currently: unset; option ${option})`,
      );
      continue;
    }
    try {
      services[service] = parseVerifyKeys(value);
    } catch (error) {
      problems.push(
        `  ${serviceVerifyKeysVar(service)}: ${error instanceof Error ? error.message : String(error)} (option ${option})`,
      );
    }
  }
  const { tlsCert, tlsKey, tlsCa, tlsRequireClientCert } = config.server;
  const option = (key: string) => `option ${subgraphServerSection(options.name, options.defaultPort).path}.${key}`;
  if ((tlsCert === undefined) !== (tlsKey === undefined))
    problems.push(`  TLS_CERT, TLS_KEY: a certificate needs its key and a key its certificate (${option("tlsCert")})`);
  if (tlsRequireClientCert && (tlsCert === undefined || tlsCa === undefined))
    problems.push(
      `  TLS_REQUIRE_CLIENT_CERT: needs TLS_CERT, TLS_KEY and TLS_CA (the CA client certificates chain to) (${option("tlsRequireClientCert")})`,
    );
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join("\n")}`);
  return {
    port: config.server.port,
    ...(tlsCert && tlsKey
      ? {
          tls: { cert: tlsCert, key: tlsKey, ...(tlsCa ? { ca: tlsCa } : {}), requireClientCert: tlsRequireClientCert },
        }
      : {}),
    production: config.process.nodeEnv === "production",
    databaseUrl: serviceDatabaseUrl(options.name, env),
    identityTrust: { gateway: config.identityTrust.gatewayVerifyKeys, services },
  };
}
