import { createHash } from "node:crypto";
import { appError, callSubgraph, ErrorCode, type Role, type Viewer } from "@fedplat/common";
import { LRUCache } from "lru-cache";

export interface ApiKeyResolver {
  /** The viewer an x-api-key header stands for; null when the key is unknown, revoked or expired. */
  resolve(key: string): Promise<Viewer | null>;
}

export interface ApiKeyResolverOptions {
  /** The accounts subgraph, which owns the keys. */
  accountsUrl: string;
  gatewaySecret: string;
  /** How long a look-up is reused; revocation takes effect within this. @default 30_000 */
  cacheMs?: number;
  /** @default 5_000 */
  timeoutMs?: number;
}

const PRINCIPAL_QUERY = "query ApiKeyPrincipal($key: String!) { apiKeyPrincipal(key: $key) { id role } }";

interface PrincipalResponse {
  data?: { apiKeyPrincipal: { id: string; role: Role } | null };
}

/**
 * Resolves API keys through accounts' gateway-only `apiKeyPrincipal` field and caches the answer
 * (also "no such key") per key hash, so a key costs accounts one look-up per cache period.
 */
export function createApiKeyResolver(options: ApiKeyResolverOptions): ApiKeyResolver {
  const cache = new LRUCache<string, { viewer: Viewer | null }>({ max: 10_000, ttl: options.cacheMs ?? 30_000 });
  return {
    async resolve(key) {
      const cacheKey = createHash("sha256").update(key).digest("hex");
      const cached = cache.get(cacheKey);
      if (cached) return cached.viewer;
      let body: PrincipalResponse;
      try {
        body = await callSubgraph<PrincipalResponse>({
          url: options.accountsUrl,
          query: PRINCIPAL_QUERY,
          variables: { key },
          identity: { caller: { kind: "gateway" }, viewer: null },
          secret: options.gatewaySecret,
          timeoutMs: options.timeoutMs ?? 5_000,
        });
      } catch {
        throw appError(ErrorCode.SUBGRAPH_UNAVAILABLE, 'Subgraph "accounts" is unavailable: API keys cannot be checked', { serviceName: "accounts", http: { status: 503 } });
      }
      const principal = body.data?.apiKeyPrincipal ?? null;
      const viewer: Viewer | null = principal ? { id: principal.id, role: principal.role, kind: "apiKey" } : null;
      if (body.data) cache.set(cacheKey, { viewer });
      return viewer;
    },
  };
}
