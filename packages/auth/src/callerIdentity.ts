import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import { LRUCache } from "lru-cache";
import { lruBound, unauthenticated } from "@fedplat/runtime";
import type { Viewer } from "./identity";
import type { SigningKey, VerifyKeys } from "./identityKeys";

/** The header that carries the caller's signed identity from the gateway to a subgraph. */
export const IDENTITY_HEADER = "x-fedplat-identity";

/** At most this long between a token's iat and exp: a captured token is useless a minute later. */
const TTL_SECONDS = 60;
const GATEWAY_ISSUER = "fedplat-gateway";
const SERVICE_ISSUER = "fedplat-service:";

/** Who sent a request to a subgraph: the gateway on behalf of a client, or another service. */
export type Caller = { kind: "gateway" } | { kind: "service"; name: string };

export interface CallerIdentity {
  caller: Caller;
  viewer: Viewer | null;
}

/**
 * Whose signatures a subgraph accepts: the gateway's public keys, and per service that may call
 * it directly (orders -> catalog) that service's own public keys. A token's issuer picks the key
 * list, so a service's key can never pass for the gateway's.
 */
export interface IdentityTrust {
  gateway: VerifyKeys;
  services?: Readonly<Record<string, VerifyKeys>>;
}

/**
 * Signs what the gateway (or a service, with its own key) asserts about a request to one
 * subgraph (`audience`, its name in the supergraph): who the viewer is, if anyone. EdDSA
 * (Ed25519): subgraphs hold only public keys, so they can verify but never forge.
 *
 * The payload (docs/identity.md): iss, aud, sub (viewer id or "anonymous"), iat, exp (60 s), and
 * `kind` ("user" | "apiKey" | "anonymous"), `roles` and `scopes` (arrays of strings) and `tenant`
 * (a string, only when the viewer has one).
 */
export function signCallerIdentity(identity: CallerIdentity, signing: SigningKey, audience: string): Promise<string> {
  const { viewer, caller } = identity;
  return new SignJWT({
    ...(viewer
      ? {
          kind: viewer.kind ?? "user",
          roles: viewer.roles,
          scopes: viewer.scopes,
          ...(viewer.tenant !== undefined ? { tenant: viewer.tenant } : {}),
        }
      : { kind: "anonymous" }),
  })
    .setProtectedHeader({ alg: "EdDSA", kid: signing.kid })
    .setIssuer(caller.kind === "gateway" ? GATEWAY_ISSUER : `${SERVICE_ISSUER}${caller.name}`)
    .setAudience(audience)
    .setSubject(viewer?.id ?? "anonymous")
    .setIssuedAt()
    .setExpirationTime(`${TTL_SECONDS}s`)
    .sign(signing.key);
}

/** Verifies a subgraph request's identity header for `audience`; anything missing or wrong is a 401. */
export async function verifyCallerIdentity(
  header: string | undefined,
  trust: IdentityTrust,
  audience: string,
): Promise<CallerIdentity> {
  return (await verifyWithExpiry(header, trust, audience)).identity;
}

const invalid = () => unauthenticated("Invalid gateway identity");

/** The caller a token claims to come from (unverified: it only picks the keys to verify with). */
function claimedCaller(header: string): Caller {
  let issuer: unknown;
  try {
    issuer = decodeJwt(header).iss;
  } catch {
    throw invalid();
  }
  if (issuer === GATEWAY_ISSUER) return { kind: "gateway" };
  if (typeof issuer === "string" && issuer.startsWith(SERVICE_ISSUER))
    return { kind: "service", name: issuer.slice(SERVICE_ISSUER.length) };
  throw invalid();
}

async function verifyWithExpiry(
  header: string | undefined,
  trust: IdentityTrust,
  audience: string,
): Promise<{ identity: CallerIdentity; expiresAtMs: number }> {
  if (!header) throw unauthenticated("This service accepts only requests signed by the gateway");
  const caller = claimedCaller(header);
  const keys =
    caller.kind === "gateway"
      ? trust.gateway
      : Object.hasOwn(trust.services ?? {}, caller.name)
        ? trust.services?.[caller.name]
        : undefined;
  let payload;
  try {
    const { kid } = decodeProtectedHeader(header);
    const key = kid === undefined ? undefined : keys?.get(kid);
    if (!key) throw invalid();
    ({ payload } = await jwtVerify(header, key, {
      algorithms: ["EdDSA"],
      issuer: caller.kind === "gateway" ? GATEWAY_ISSUER : `${SERVICE_ISSUER}${caller.name}`,
      audience,
      // iat is required and at most 60 s old, whatever exp the signer chose.
      maxTokenAge: TTL_SECONDS,
      requiredClaims: ["iat", "exp"],
    }));
  } catch {
    throw invalid();
  }
  // jwtVerify has checked exp (required above).
  const expiresAtMs = (payload.exp ?? 0) * 1000;
  if (payload.kind === "anonymous") return { identity: { caller, viewer: null }, expiresAtMs };
  // `role` (one string): what gateways before roles/scopes signed, accepted while they roll out.
  const roles = payload.roles ?? (typeof payload.role === "string" ? [payload.role] : undefined);
  const scopes = payload.scopes ?? [];
  const { tenant } = payload;
  if (
    typeof payload.sub !== "string" ||
    !isStringList(roles) ||
    !isStringList(scopes) ||
    (tenant !== undefined && typeof tenant !== "string") ||
    (payload.kind !== "user" && payload.kind !== "apiKey")
  ) {
    throw invalid();
  }
  const viewer: Viewer = {
    id: payload.sub,
    roles,
    scopes,
    ...(typeof tenant === "string" ? { tenant } : {}),
    kind: payload.kind,
  };
  return { identity: { caller, viewer }, expiresAtMs };
}

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");

/**
 * verifyCallerIdentity for one subgraph, remembering the assertions it has verified until they
 * expire. The gateway reuses a viewer's signed identity for 20 s, so a subgraph sees the same
 * header again and again; checking its signature each time (jose over WebCrypto: ~0.06-0.12 ms
 * of CPU for HMAC, more for Ed25519) was ~4% of a subgraph's CPU for a simple query. Only a
 * header identical to one that passed every check is taken from memory, and never after its
 * `exp`; failures are not remembered.
 */
export function createCallerIdentityVerifier(
  trust: IdentityTrust,
  audience: string,
  options: { max?: number } = {},
): (header: string | undefined) => Promise<CallerIdentity> {
  const verified = new LRUCache<string, { identity: CallerIdentity; expiresAtMs: number }>({
    ...lruBound(options.max ?? 10_000),
  });
  return async (header) => {
    const known = header === undefined ? undefined : verified.get(header);
    if (known && Date.now() < known.expiresAtMs) return known.identity;
    const fresh = await verifyWithExpiry(header, trust, audience);
    if (header !== undefined) verified.set(header, fresh);
    return fresh.identity;
  };
}
