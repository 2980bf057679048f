import { signCallerIdentity, type SigningKey, type Viewer, viewerKey } from "@fedplat/auth";
import { lruBound } from "@fedplat/runtime";
import { LRUCache } from "lru-cache";

/** The viewer's signed identity for one subgraph (the token's audience): x-fedplat-identity. */
export type IdentitySigner = (viewer: Viewer | null, subgraph: string) => Promise<string>;

/**
 * Signs the gateway's identity assertions with its Ed25519 key, one per viewer and subgraph:
 * bound to its audience, a token a subgraph receives is refused by every other subgraph.
 */
export function createIdentitySigner(signingKey: SigningKey): IdentitySigner {
  // A signed identity lives 60 s; reusing it for 20 s per viewer and subgraph spares a signature
  // (jose via WebCrypto: ~12% of a cached request's CPU in a profile, with HMAC) on most requests,
  // and a reused one still has 40 s to go, well beyond the default 10 s subgraph deadline.
  const signed = new LRUCache<string, string>({ ...lruBound(10_000), ttl: 20_000 });
  return async (viewer, subgraph) => {
    const key = `${subgraph}|${viewerKey(viewer)}`;
    const cached = signed.get(key);
    if (cached) return cached;
    const identity = await signCallerIdentity({ caller: { kind: "gateway" }, viewer }, signingKey, subgraph);
    signed.set(key, identity);
    return identity;
  };
}
