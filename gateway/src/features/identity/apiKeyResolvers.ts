import { isAbsolute, resolve } from "node:path";
import type { SigningKey, Viewer } from "@fedplat/auth";
import { ConfigError } from "@fedplat/runtime";
import { type AccountsDispatcher, type ApiKeyResolver, createApiKeyResolver } from "./apiKeyResolver";
import type { IdentityConfig } from "./config";

/** What a resolver factory is given: enough to call accounts (or any subgraph) signed as the gateway. */
export interface ApiKeyResolverContext {
  /** The accounts subgraph's URL (after SUBGRAPH_ACCOUNTS_URL). */
  accountsUrl: string;
  /** Its connection pool: pass it to callSubgraph (mTLS client certificate). @default the global one */
  accountsDispatcher?: AccountsDispatcher;
  /** The gateway's identity key, to sign look-ups as the gateway (see callSubgraph in @fedplat/auth). */
  signingKey: SigningKey;
  /** The platform's roles and issuers. */
  identity: IdentityConfig;
  /** How long a valid key's look-up may be reused (revocations take this long to apply). */
  cacheMs?: number;
  /** Valid keys remembered at most. */
  cacheSize?: number;
}

/** What a module named by API_KEY_RESOLVER exports as `createApiKeyResolver`. */
export type ApiKeyResolverFactory = (context: ApiKeyResolverContext) => ApiKeyResolver | Promise<ApiKeyResolver>;

const refuse = (spec: string, why: string) =>
  new ConfigError(`Invalid configuration:\n  API_KEY_RESOLVER: ${JSON.stringify(spec)} ${why}`);

/**
 * The API-key resolver `spec` names: "accounts" (the default: accounts' keys), or a module
 * (a path, absolute or relative to the working directory, or a package name) exporting
 * `createApiKeyResolver(context)`. Loaded once at start; a module that cannot be loaded or has no
 * such export stops the gateway with a message naming API_KEY_RESOLVER.
 */
export async function loadApiKeyResolver(spec: string, context: ApiKeyResolverContext): Promise<ApiKeyResolver> {
  if (spec === "accounts") return createApiKeyResolver(context);
  const target = spec.startsWith(".") || isAbsolute(spec) ? resolve(process.cwd(), spec) : spec;
  let loaded: { createApiKeyResolver?: unknown; default?: { createApiKeyResolver?: unknown } };
  try {
    loaded = await import(target);
  } catch (error) {
    throw refuse(spec, `cannot be loaded: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  }
  const factory = loaded.createApiKeyResolver ?? loaded.default?.createApiKeyResolver;
  if (typeof factory !== "function") throw refuse(spec, "does not export createApiKeyResolver(context)");
  const resolver = (await (factory as ApiKeyResolverFactory)(context)) as Partial<ApiKeyResolver> | undefined;
  if (typeof resolver?.resolve !== "function") throw refuse(spec, "createApiKeyResolver returned no { resolve(key) }");
  return withKnownRoles(resolver as ApiKeyResolver, context.identity.roles);
}

/**
 * A resolver whose viewers are API-key viewers of the platform's roles only: a team's resolver
 * cannot hand out a role the configuration does not know, nor pass for a token's user.
 */
function withKnownRoles(resolver: ApiKeyResolver, roles: readonly string[]): ApiKeyResolver {
  const known = new Set(roles);
  return {
    async resolve(key) {
      const viewer = await resolver.resolve(key);
      if (!viewer) return null;
      const strings = (value: unknown) =>
        Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
      if (typeof viewer.id !== "string" || !viewer.id) return null;
      const resolved: Viewer = {
        id: viewer.id,
        roles: strings(viewer.roles).filter((role) => known.has(role)),
        scopes: strings(viewer.scopes),
        ...(typeof viewer.tenant === "string" ? { tenant: viewer.tenant } : {}),
        kind: "apiKey",
      };
      return resolved;
    },
  };
}
