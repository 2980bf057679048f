import { createRemoteJWKSet, decodeJwt, errors as joseErrors, type JWTPayload, jwtVerify, SignJWT } from "jose";
import { LRUCache } from "lru-cache";
import { appError, ErrorCode, lruBound, unauthenticated } from "@fedplat/runtime";

/**
 * Who is calling, as established from a verified access token or API key. The same shape reaches
 * subgraphs in the gateway's signed identity (callerIdentity.ts). Role and scope names are the
 * platform's configuration (gateway/src/features/identity/config.ts), never fixed here.
 */
export interface Viewer {
  id: string;
  /** Platform roles, after the issuer's role mapping; empty when the token grants none. */
  roles: string[];
  /** OAuth scopes the token grants (e.g. "orders:read"); empty when none. */
  scopes: string[];
  /** The tenant the viewer acts in, when the issuer's tokens carry one. */
  tenant?: string;
  /** @default "user" */
  kind?: "user" | "apiKey";
  /**
   * Access tokens only: the user's token version when the token was issued (claim `ver`, absent
   * in tokens from before versions: 0). Logout and changePassword bump the user's version, and the
   * gateway refuses older tokens (gateway/src/features/identity/sessionChecker.ts).
   */
  tokenVersion?: number;
}

/** True when the viewer holds at least one of `roles` (services name their own roles). */
export function hasRole(viewer: Viewer | null | undefined, ...roles: readonly string[]): boolean {
  return !!viewer && roles.some((role) => viewer.roles.includes(role));
}

/** True when the viewer's token grants at least one of `scopes`. */
export function hasScope(viewer: Viewer | null | undefined, ...scopes: readonly string[]): boolean {
  return !!viewer && scopes.some((scope) => viewer.scopes.includes(scope));
}

/**
 * A stable string for everything that decides what a viewer may see (kind, id, roles, scopes,
 * tenant): caches, shared in-flight fetches and subscription checks key on it, so a role or scope
 * change never reuses what the old one could see.
 */
export function viewerKey(viewer: Viewer | null): string {
  if (!viewer) return "anonymous";
  const sorted = (values: readonly string[]) => [...values].sort();
  return JSON.stringify([
    viewer.kind ?? "user",
    viewer.id,
    sorted(viewer.roles),
    sorted(viewer.scopes),
    viewer.tenant ?? null,
  ]);
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

/** The built-in issuer: accounts' HS256 access tokens (iss and aud). */
export const ACCOUNTS_ISSUER = "fedplat-accounts";
export const ACCOUNTS_AUDIENCE = "fedplat";

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** Whom accounts issues an access token for: one user, with the one role accounts stores. */
export interface AccessTokenSubject {
  id: string;
  role: string;
  tokenVersion?: number;
}

/**
 * A short-lived HS256 access token for `subject` (claims `sub`, `role` and, when it has one, `ver`).
 * A TokenSigningKey puts its id in the `kid` header; a bare secret signs without a kid (legacy).
 */
export async function signAccessToken(
  subject: AccessTokenSubject,
  signingKey: string | TokenSigningKey,
  ttlSeconds = 900,
): Promise<string> {
  const { secret, id } = typeof signingKey === "string" ? { secret: signingKey, id: undefined } : signingKey;
  return new SignJWT({
    role: subject.role,
    ...(subject.tokenVersion !== undefined ? { ver: subject.tokenVersion } : {}),
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT", ...(id ? { kid: id } : {}) })
    .setSubject(subject.id)
    .setIssuer(ACCOUNTS_ISSUER)
    .setAudience(ACCOUNTS_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key(secret));
}

/**
 * How one issuer's tokens are checked: HS256 with shared secrets (accounts issues the tokens), or
 * an identity provider's JWKS. The short form (with issuer and audience for a JWKS) is one issuer
 * with the default claims; see TokenIssuer for the full form.
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

/** Where a viewer's parts are found in a token's payload: dot paths ("realm_access.roles", "https://example.com/tenant"). */
export interface ClaimPaths {
  /** @default "sub" */
  id: string;
  /** A string (one role) or an array of strings. @default "role" */
  roles: string;
  /** A space-separated string (OAuth `scope`) or an array of strings (`scp`). @default "scope" */
  scopes: string;
  /** A string; unset: viewers of this issuer have no tenant. */
  tenant?: string;
}

export const DEFAULT_CLAIMS: ClaimPaths = { id: "sub", roles: "role", scopes: "scope" };

/** One trusted token issuer: how its tokens are verified and how their claims map onto a Viewer. */
export interface TokenIssuer {
  /** The exact `iss` its tokens carry; a token is routed to its issuer by this before any signature check. */
  issuer: string;
  /** The `aud` its tokens must carry (one of them, when several). */
  audience: string | string[];
  keys: { kind: "hs256"; secret?: string; keys?: Record<string, string> } | { kind: "jwks"; url: string };
  /** @default ["RS256", "PS256", "ES256", "EdDSA"] for a JWKS; HS256 for shared secrets */
  algorithms?: string[];
  /** @default DEFAULT_CLAIMS */
  claims?: Partial<ClaimPaths>;
  /**
   * External role name -> platform role. When set, only mapped names count (an IdP's other roles
   * and groups are ignored); unset, role names are taken as they are.
   */
  roleMap?: Record<string, string>;
  /**
   * Whether this issuer's users are accounts' users, whose sessions (logout, disabled, role
   * changes) the gateway checks. @default true for HS256 (accounts), false for a JWKS
   */
  sessions?: boolean;
}

export interface TokenVerifierOptions {
  /** The platform's roles: token roles outside it are dropped. Unset: every role name is kept. */
  roles?: readonly string[];
  /** Applied to viewers of issuers with sessions (see TokenIssuer.sessions). */
  checkSession?: (viewer: Viewer) => Promise<Viewer>;
}

export type TokenVerifier = (token: string) => Promise<Viewer>;

/**
 * Why a token was refused, in `extensions.reason` beside code UNAUTHENTICATED (HTTP 401), so a
 * client or an operator can tell a misconfigured issuer from an expired token.
 */
export const TokenRefusal = {
  EXPIRED: "TOKEN_EXPIRED",
  INVALID: "INVALID_TOKEN",
  UNKNOWN_ISSUER: "UNKNOWN_ISSUER",
  WRONG_AUDIENCE: "WRONG_AUDIENCE",
  BAD_CLAIMS: "INVALID_CLAIMS",
} as const;

const refused = (reason: (typeof TokenRefusal)[keyof typeof TokenRefusal], message = "Invalid access token") =>
  appError(ErrorCode.UNAUTHENTICATED, message, { reason });

/**
 * The value at a dot path in a token's payload. At each level the longest run of segments that is
 * a key wins, so a namespaced claim whose name has dots ("https://example.com/roles") is found by
 * its full name and "realm_access.roles" walks into an object.
 */
export function claimAt(payload: unknown, path: string): unknown {
  const parts = path.split(".");
  let node = payload;
  let at = 0;
  next: while (at < parts.length) {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return undefined;
    for (let end = parts.length; end > at; end--) {
      const name = parts.slice(at, end).join(".");
      if (Object.hasOwn(node, name)) {
        node = (node as Record<string, unknown>)[name];
        at = end;
        continue next;
      }
    }
    return undefined;
  }
  return node;
}

/** A claim that is absent, one string (split on spaces when `split`), or an array of strings; undefined when malformed. */
function stringList(value: unknown, split: boolean): string[] | undefined {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return split ? value.split(/\s+/).filter(Boolean) : value ? [value] : [];
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value.filter(Boolean);
  return undefined;
}

/** The viewer a verified token's payload stands for under its issuer's claim paths and role map. */
function viewerOf(payload: JWTPayload, issuer: TokenIssuer, knownRoles: ReadonlySet<string> | undefined): Viewer {
  const claims = { ...DEFAULT_CLAIMS, ...issuer.claims };
  const bad = () => refused(TokenRefusal.BAD_CLAIMS);
  const id = claimAt(payload, claims.id);
  const tokenRoles = stringList(claimAt(payload, claims.roles), false);
  const scopes = stringList(claimAt(payload, claims.scopes), true);
  const tenant = claims.tenant === undefined ? undefined : claimAt(payload, claims.tenant);
  if (typeof id !== "string" || !id || !tokenRoles || !scopes) throw bad();
  if (tenant !== undefined && (typeof tenant !== "string" || !tenant)) throw bad();
  const { roleMap } = issuer;
  const mapped = roleMap
    ? tokenRoles.flatMap((role) => (Object.hasOwn(roleMap, role) ? [roleMap[role] as string] : []))
    : tokenRoles;
  const roles = [...new Set(mapped)].filter((role) => !knownRoles || knownRoles.has(role));
  const version = payload.ver;
  if (version !== undefined && !(typeof version === "number" && Number.isSafeInteger(version) && version >= 0))
    throw bad();
  return {
    id,
    roles,
    scopes: [...new Set(scopes)],
    ...(typeof tenant === "string" ? { tenant } : {}),
    kind: "user",
    ...(typeof version === "number" ? { tokenVersion: version } : {}),
  };
}

/** Maps jose's failures onto UNAUTHENTICATED with a reason; never echoes the token. */
async function verifying(verify: () => Promise<{ payload: JWTPayload }>): Promise<JWTPayload> {
  try {
    return (await verify()).payload;
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw refused(TokenRefusal.EXPIRED, "Access token expired");
    if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === "aud")
      throw refused(TokenRefusal.WRONG_AUDIENCE);
    if (error instanceof joseErrors.JOSEError) throw refused(TokenRefusal.INVALID);
    throw error;
  }
}

/** The short form as one issuer: accounts' HS256 tokens, or one identity provider with the default claims. */
function issuerOf(config: TokenVerification): TokenIssuer {
  return config.kind === "hs256"
    ? { issuer: ACCOUNTS_ISSUER, audience: ACCOUNTS_AUDIENCE, keys: config }
    : { issuer: config.issuer, audience: config.audience, keys: { kind: "jwks", url: config.url } };
}

/** The payload of one issuer's token once its signature, issuer, audience, expiry and not-before hold. */
function payloadVerifier(issuer: TokenIssuer): (token: string) => Promise<JWTPayload> {
  const { keys } = issuer;
  const checks = { issuer: issuer.issuer, audience: issuer.audience };
  if (keys.kind === "jwks") {
    // jose fetches and caches the key set, and refreshes it when a token names an unknown kid.
    const keySet = createRemoteJWKSet(new URL(keys.url));
    const algorithms = issuer.algorithms ?? ["RS256", "PS256", "ES256", "EdDSA"];
    return (token) => verifying(() => jwtVerify(token, keySet, { ...checks, algorithms }));
  }
  // Verification keys by kid: JWT_SIGNING_KEYS, plus JWT_SECRET as "default" (tokens without a kid).
  const secrets = new Map<string, Uint8Array>(Object.entries(keys.keys ?? {}).map(([id, secret]) => [id, key(secret)]));
  if (keys.secret && !secrets.has(LEGACY_KEY_ID)) secrets.set(LEGACY_KEY_ID, key(keys.secret));
  if (secrets.size === 0) throw new Error(`issuer "${issuer.issuer}": hs256 token verification needs a secret or keys`);
  // A retired kid (no longer listed) finds no key: jose refuses the token (Invalid access token).
  const secretOf = (header: { kid?: string }) => {
    const found = secrets.get(header.kid ?? LEGACY_KEY_ID);
    if (!found) throw new joseErrors.JWKSNoMatchingKey();
    return found;
  };
  return (token) =>
    verifying(() => jwtVerify(token, secretOf, { ...checks, algorithms: issuer.algorithms ?? ["HS256"] }));
}

/**
 * A verifier for bearer tokens from one or several issuers. The token's `iss` (read before any
 * check) picks the issuer, whose own keys then check the signature (only its algorithms, never
 * "none"), and jose checks issuer, audience, expiry and not-before; an unlisted issuer is refused
 * without a key look-up (reason UNKNOWN_ISSUER). Claims map onto a Viewer by the issuer's claim
 * paths and role map. Any failure is UNAUTHENTICATED (HTTP 401) with a reason (TokenRefusal).
 */
export function createTokenVerifier(
  config: TokenVerification | readonly TokenIssuer[],
  options: TokenVerifierOptions = {},
): TokenVerifier {
  const issuers = "kind" in config ? [issuerOf(config)] : config;
  const knownRoles = options.roles ? new Set(options.roles) : undefined;
  const byIssuer = new Map<string, TokenVerifier>();
  for (const issuer of issuers) {
    if (byIssuer.has(issuer.issuer)) throw new Error(`issuer "${issuer.issuer}" is listed twice`);
    const payloadOf = payloadVerifier(issuer);
    const sessions = issuer.sessions ?? issuer.keys.kind === "hs256";
    const verify: TokenVerifier = async (token) => viewerOf(await payloadOf(token), issuer, knownRoles);
    // HS256 only: a client sends the same access token with every request for up to its 15
    // minutes, and checking its HMAC each time (jose over WebCrypto) was ~4% of the gateway's CPU.
    // Only a token identical to one that passed every check is taken from memory, never after its
    // exp; failures are not remembered. (Not for JWKS: a rotated-out key must stop being trusted.)
    const cached = issuer.keys.kind === "hs256" ? remembering(verify) : verify;
    const { checkSession } = options;
    byIssuer.set(issuer.issuer, sessions && checkSession ? async (token) => checkSession(await cached(token)) : cached);
  }
  return async (token) => {
    let claimed: unknown;
    try {
      claimed = decodeJwt(token).iss;
    } catch {
      throw refused(TokenRefusal.INVALID);
    }
    const verify = typeof claimed === "string" ? byIssuer.get(claimed) : undefined;
    if (!verify) throw refused(TokenRefusal.UNKNOWN_ISSUER, "Access token from an issuer this gateway does not trust");
    return verify(token);
  };
}

/** `verify` remembering each token that passed until its exp (see createTokenVerifier). */
function remembering(verify: TokenVerifier): TokenVerifier {
  const verified = new LRUCache<string, { viewer: Viewer; expiresAtMs: number }>(lruBound(10_000));
  return async (token) => {
    const known = verified.get(token);
    if (known && Date.now() < known.expiresAtMs) return { ...known.viewer };
    const viewer = await verify(token);
    const exp = decodeJwt(token).exp;
    if (exp) verified.set(token, { viewer: { ...viewer }, expiresAtMs: exp * 1000 });
    return viewer;
  };
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
