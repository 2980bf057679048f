import { createRemoteJWKSet, errors as joseErrors, type JWTPayload, jwtVerify, SignJWT } from "jose";
import { LRUCache } from "lru-cache";
import { unauthenticated } from "@fedplat/runtime";

export type Role = "CUSTOMER" | "STAFF" | "ADMIN";

/** Who is calling, as established from a verified access token or API key. */
export interface Viewer {
  id: string;
  role: Role;
  /** @default "user" */
  kind?: "user" | "apiKey";
  /**
   * Access tokens only: the user's token version when the token was issued (claim `ver`, absent
   * in tokens from before versions: 0). Logout and changePassword bump the user's version, and the
   * gateway refuses older tokens (gateway/src/features/identity/sessionChecker.ts).
   */
  tokenVersion?: number;
}

/** One HS256 signing key and the id (`kid` header) tokens signed with it carry. */
export interface TokenSigningKey {
  id: string;
  secret: string;
}

/** The key id given to JWT_SECRET when it is the only key (tokens without a kid are checked with it). */
export const LEGACY_KEY_ID = "default";

/**
 * Parses JWT_SIGNING_KEYS ("k2:<secret>,k1:<secret>", each secret at least 32 characters) into
 * id -> secret; throws a message naming the first bad entry (never echoing a secret).
 */
export function parseSigningKeys(value: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const [index, entry] of value.split(",").entries()) {
    const colon = entry.indexOf(":");
    const id = entry.slice(0, colon).trim();
    const secret = entry.slice(colon + 1).trim();
    if (colon < 1 || !/^[A-Za-z0-9_.-]{1,64}$/.test(id))
      throw new Error(`entry ${index + 1} must look like <key id>:<secret> (key id: letters, digits, _ . -)`);
    if (secret.length < 32) throw new Error(`key "${id}": the secret must be at least 32 characters`);
    if (keys.has(id)) throw new Error(`key "${id}" is listed twice`);
    keys.set(id, secret);
  }
  return keys;
}

const ISSUER = "fedplat-accounts";
const AUDIENCE = "fedplat";
const ROLES: readonly Role[] = ["CUSTOMER", "STAFF", "ADMIN"];

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/**
 * A short-lived HS256 access token for `viewer`, with its token version (`ver`) when it has one.
 * A TokenSigningKey puts its id in the `kid` header; a bare secret signs without a kid (legacy).
 */
export async function signAccessToken(
  viewer: Viewer,
  signingKey: string | TokenSigningKey,
  ttlSeconds = 900,
): Promise<string> {
  const { secret, id } = typeof signingKey === "string" ? { secret: signingKey, id: undefined } : signingKey;
  return new SignJWT({ role: viewer.role, ...(viewer.tokenVersion !== undefined ? { ver: viewer.tokenVersion } : {}) })
    .setProtectedHeader({ alg: "HS256", typ: "JWT", ...(id ? { kid: id } : {}) })
    .setSubject(viewer.id)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key(secret));
}

/**
 * How access tokens are verified: HS256 with a shared secret (local runs: accounts issues the
 * tokens), or an identity provider's JWKS with its issuer and audience (production).
 */
export type TokenVerification =
  | {
      kind: "hs256";
      /** A single key (JWT_SECRET): checks tokens without a kid, and tokens whose kid is "default". */
      secret?: string;
      /** Key id -> secret (JWT_SIGNING_KEYS): a token is checked with the key its `kid` names; unlisted kids are refused. */
      keys?: Record<string, string>;
    }
  | { kind: "jwks"; url: string; issuer: string; audience: string };

export type TokenVerifier = (token: string) => Promise<Viewer>;

function viewerOf(payload: JWTPayload): Viewer {
  const role = payload.role;
  if (typeof payload.sub !== "string" || !ROLES.includes(role as Role)) throw unauthenticated("Invalid access token");
  const version = payload.ver;
  if (version !== undefined && !(typeof version === "number" && Number.isSafeInteger(version) && version >= 0))
    throw unauthenticated("Invalid access token");
  return {
    id: payload.sub,
    role: role as Role,
    kind: "user",
    ...(typeof version === "number" ? { tokenVersion: version } : {}),
  };
}

async function verifying(verify: () => Promise<{ payload: JWTPayload }>): Promise<Viewer> {
  try {
    return viewerOf((await verify()).payload);
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw unauthenticated("Access token expired");
    if (error instanceof joseErrors.JOSEError) throw unauthenticated("Invalid access token");
    throw error;
  }
}

/**
 * A verifier for bearer tokens: signature (only the configured algorithms, never "none"),
 * issuer, audience, expiry and not-before; any failure is UNAUTHENTICATED and never echoes
 * the token. JWKS keys are fetched and cached by jose, refreshed when an unknown kid appears.
 */
export function createTokenVerifier(config: TokenVerification): TokenVerifier {
  switch (config.kind) {
    case "hs256": {
      // Verification keys by kid: JWT_SIGNING_KEYS, plus JWT_SECRET as "default" (tokens without a kid).
      const keys = new Map<string, Uint8Array>(
        Object.entries(config.keys ?? {}).map(([id, secret]) => [id, key(secret)]),
      );
      if (config.secret && !keys.has(LEGACY_KEY_ID)) keys.set(LEGACY_KEY_ID, key(config.secret));
      if (keys.size === 0) throw new Error("hs256 token verification needs a secret or keys");
      // A retired kid (no longer listed) finds no key: jose refuses the token (Invalid access token).
      const secret = (header: { kid?: string }) => {
        const found = keys.get(header.kid ?? LEGACY_KEY_ID);
        if (!found) throw new joseErrors.JWKSNoMatchingKey();
        return found;
      };
      // A client sends the same access token with every request for up to its 15 minutes; checking
      // its HMAC each time (jose over WebCrypto) was ~4% of the gateway's CPU per request. Only a
      // token identical to one that passed every check is taken from memory, never after its exp;
      // failures are not remembered. (Not for JWKS: a rotated-out key must stop being trusted.)
      const verified = new LRUCache<string, { viewer: Viewer; expiresAtMs: number }>({ max: 10_000 });
      return async (token) => {
        const known = verified.get(token);
        if (known && Date.now() < known.expiresAtMs) return { ...known.viewer };
        let expiresAtMs = 0;
        const viewer = await verifying(async () => {
          const result = await jwtVerify(token, secret, { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE });
          expiresAtMs = (result.payload.exp ?? 0) * 1000;
          return result;
        });
        if (expiresAtMs > 0) verified.set(token, { viewer: { ...viewer }, expiresAtMs });
        return viewer;
      };
    }
    case "jwks": {
      const keys = createRemoteJWKSet(new URL(config.url));
      return (token) =>
        verifying(() =>
          jwtVerify(token, keys, {
            algorithms: ["RS256", "PS256", "ES256", "EdDSA"],
            issuer: config.issuer,
            audience: config.audience,
          }),
        );
    }
    default: {
      const unreachable: never = config;
      throw new Error(`unknown token verification ${JSON.stringify(unreachable)}`);
    }
  }
}

/** Verifies one of accounts' HS256 access tokens (see createTokenVerifier). */
export function verifyAccessToken(token: string, secret: string): Promise<Viewer> {
  return createTokenVerifier({ kind: "hs256", secret })(token);
}

/** The viewer of a request from its `Authorization: Bearer` header; null when there is none. */
export async function viewerFromAuthorization(
  header: string | undefined,
  verify: TokenVerifier,
): Promise<Viewer | null> {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw unauthenticated("Authorization header must be 'Bearer <token>'");
  return verify(match[1]);
}

/** The viewer, or UNAUTHENTICATED. */
export function requireViewer(context: { viewer: Viewer | null }): Viewer {
  if (!context.viewer) throw unauthenticated();
  return context.viewer;
}

/** True when the viewer may see every customer's data. */
export function isStaff(viewer: Viewer | null): boolean {
  return viewer?.role === "STAFF" || viewer?.role === "ADMIN";
}
