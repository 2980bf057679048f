import { ConfigError, defineSection, envVars } from "@fedplat/runtime";
import { Agent, type Dispatcher } from "undici";
import { z } from "zod";

/** PEM texts of one subgraph's TLS client side. */
export interface SubgraphTlsOptions {
  /** The client certificate the gateway presents (mTLS); needs `key`. */
  cert?: string;
  key?: string;
  /** CA certificates the subgraph's server certificate must chain to; unset: Node's default roots. */
  ca?: string;
}

const pemFiles = (what: string) =>
  z.record(z.string(), envVars.pemFile).default({}).describe(`Per subgraph (ORDERS: /etc/tls/orders.pem): ${what}`);

/** Client certificates and CAs for the gateway's HTTPS calls to subgraphs (mTLS). */
export const subgraphTlsSection = defineSection({
  path: "gateway.subgraphTls",
  schema: z.object({
    cert: pemFiles("the client certificate (PEM file) the gateway presents to it (mTLS)"),
    key: pemFiles("the client certificate's private key (PEM file)"),
    ca: pemFiles("CA certificates (PEM file) its server certificate must chain to"),
  }),
  envMaps: [
    { option: "cert", pattern: /^SUBGRAPH_([A-Z0-9_]+)_TLS_CERT$/ },
    { option: "key", pattern: /^SUBGRAPH_([A-Z0-9_]+)_TLS_KEY$/ },
    { option: "ca", pattern: /^SUBGRAPH_([A-Z0-9_]+)_TLS_CA$/ },
  ],
  secrets: ["key"],
});

/** Override key (ORDERS) -> that subgraph's TLS options, from the section's three maps. */
export function subgraphTlsOf(section: z.infer<typeof subgraphTlsSection.schema>): Record<string, SubgraphTlsOptions> {
  const tls: Record<string, SubgraphTlsOptions> = {};
  for (const option of ["cert", "key", "ca"] as const)
    for (const [key, pem] of Object.entries(section[option])) tls[key] = { ...tls[key], [option]: pem };
  const unpaired = Object.entries(tls).filter(
    ([, options]) => (options.cert === undefined) !== (options.key === undefined),
  );
  if (unpaired.length > 0)
    throw new ConfigError(
      `Invalid configuration:\n${unpaired
        .map(
          ([key]) =>
            `  SUBGRAPH_${key}_TLS_CERT, SUBGRAPH_${key}_TLS_KEY: a client certificate needs its key and a key its certificate`,
        )
        .join("\n")}`,
    );
  return tls;
}

/** One undici Agent per subgraph with TLS options; the others use undici's global dispatcher. */
export interface SubgraphDispatchers {
  of(subgraph: string): Dispatcher | undefined;
  /** The same Agent, typed for the global fetch() (callSubgraph in @fedplat/auth). */
  forGlobalFetch(subgraph: string): NonNullable<RequestInit["dispatcher"]> | undefined;
  close(): Promise<void>;
}

/**
 * undici takes client certificates per connection pool (its Agent's `connect` options), not per
 * request: each subgraph with TLS options gets a pool of its own, created on its first fetch.
 */
export function createSubgraphDispatchers(
  tlsOf: (subgraph: string) => SubgraphTlsOptions | undefined,
): SubgraphDispatchers {
  const agents = new Map<string, Agent | undefined>();
  const of = (subgraph: string) => {
    if (agents.has(subgraph)) return agents.get(subgraph);
    const tls = tlsOf(subgraph);
    const agent = tls ? new Agent({ connect: { ...tls } }) : undefined;
    agents.set(subgraph, agent);
    return agent;
  };
  return {
    of,
    // The global fetch's types come from undici-types, not the undici package, and differ in
    // detail; at runtime Node's fetch takes an Agent of undici's same major version (7).
    forGlobalFetch: (subgraph) => of(subgraph) as unknown as NonNullable<RequestInit["dispatcher"]> | undefined,
    close: async () => {
      await Promise.all([...agents.values()].map((agent) => agent?.close()));
    },
  };
}
