import { createHash } from "node:crypto";
import { appError, ErrorCode, lruBound } from "@fedplat/runtime";
import { callSubgraph, type Viewer, type SigningKey } from "@fedplat/auth";
import { LRUCache } from "lru-cache";

export interface ApiKeyResolver {
  /** The viewer an x-api-key header stands for; null when the key is unknown, revoked or expired. */
  resolve(key: string): Promise<Viewer | null>;
}

export interface ApiKeyResolverOptions {
  /** The accounts subgraph, which owns the keys. */
  accountsUrl: string;
  /** The gateway's identity key: the look-up is signed as the gateway, for accounts. */
  signingKey: SigningKey;
  /**
   * How long a valid key's look-up is reused; revocation (and a creator's demotion) takes effect
   * within this. 3 s keeps revocation under 5 s (with a look-up on a loaded machine) for one accounts look-up per key per 3 s. @default 3_000
   */
  cacheMs?: number;
  /** Valid keys remembered at most. @default 10_000 */
  cacheSize?: number;
  /** How long "no such key" is remembered, apart from valid keys so a spray cannot evict them. @default 60_000 */
  unknownCacheMs?: number;
  /** Unknown keys remembered at most (the oldest go first). @default 50_000 */
  unknownCacheSize?: number;
  /** @default 5_000 */
  timeoutMs?: number;
  /** The connection pool for accounts (its client certificate when accounts requires mTLS). @default the global one */
  accountsDispatcher?: AccountsDispatcher;
}

/** undici's Dispatcher as the global fetch() takes it. */
export type AccountsDispatcher = NonNullable<RequestInit["dispatcher"]>;

const PRINCIPAL_QUERY = /* GraphQL */ "query ApiKeyPrincipal($key: String!) { apiKeyPrincipal(key: $key) { id role } }";

interface PrincipalResponse {
  data?: { apiKeyPrincipal: { id: string; role: string } | null };
}

/** accounts' key format (see accounts auth/apiKeys.ts): anything else is refused without a look-up. */
const KEY_FORMAT = /^fpk_[A-Za-z0-9_-]{1,96}$/;

/**
 * The default ApiKeyResolver (API_KEY_RESOLVER=accounts; others: apiKeyResolvers.ts).
 * Resolves API keys through accounts' gateway-only `apiKeyPrincipal` field and caches the answer
 * per key hash, so a key costs accounts one look-up per cache period. Valid and unknown keys are
 * cached apart: a spray of random keys fills only the bounded unknown-key cache, never evicting a
 * valid key; concurrent look-ups of one key share one call; malformed keys cost no call.
 */
export function createApiKeyResolver(options: ApiKeyResolverOptions): ApiKeyResolver {
  const valid = new LRUCache<string, Viewer>({
    ...lruBound(options.cacheSize ?? 10_000),
    ttl: options.cacheMs ?? 3_000,
  });
  const unknown = new LRUCache<string, true>({
    ...lruBound(options.unknownCacheSize ?? 50_000),
    ttl: options.unknownCacheMs ?? 10_000,
  });
  const inFlight = new Map<string, Promise<Viewer | null>>();
  return {
    async resolve(key) {
      if (!KEY_FORMAT.test(key)) return null;
      const cacheKey = createHash("sha256").update(key).digest("hex");
      const cached = valid.get(cacheKey);
      if (cached) return cached;
      if (unknown.has(cacheKey)) return null;
      const pending = inFlight.get(cacheKey);
      if (pending) return pending;
      const lookUp = lookUpKey(key).then((answer) => {
        if (answer.viewer) valid.set(cacheKey, answer.viewer);
        else if (answer.definite) unknown.set(cacheKey, true);
        return answer.viewer;
      });
      inFlight.set(cacheKey, lookUp);
      return lookUp.finally(() => inFlight.delete(cacheKey));
    },
  };

  /** One call to accounts; `definite` is false when accounts answered without data (nothing to cache). */
  async function lookUpKey(key: string): Promise<{ viewer: Viewer | null; definite: boolean }> {
    let body: PrincipalResponse;
    try {
      body = await callSubgraph<PrincipalResponse>({
        url: options.accountsUrl,
        query: PRINCIPAL_QUERY,
        variables: { key },
        identity: { caller: { kind: "gateway" }, viewer: null },
        signingKey: options.signingKey,
        audience: "accounts",
        timeoutMs: options.timeoutMs ?? 5_000,
        ...(options.accountsDispatcher ? { dispatcher: options.accountsDispatcher } : {}),
      });
    } catch {
      throw appError(ErrorCode.SUBGRAPH_UNAVAILABLE, 'Subgraph "accounts" is unavailable: API keys cannot be checked', {
        serviceName: "accounts",
        http: { status: 503 },
      });
    }
    const principal = body.data?.apiKeyPrincipal ?? null;
    return {
      // accounts gives a key one role and no scopes.
      viewer: principal ? { id: principal.id, roles: [principal.role], scopes: [], kind: "apiKey" } : null,
      definite: body.data !== undefined,
    };
  }
}
