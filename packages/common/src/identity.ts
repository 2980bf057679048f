import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { forbidden, unauthenticated } from "./errors";

export type Role = "CUSTOMER" | "STAFF" | "ADMIN";

/** Who is calling, as established from a verified access token or API key. */
export interface Viewer {
  id: string;
  role: Role;
  /** @default "user" */
  kind?: "user" | "apiKey";
}

const ISSUER = "fedplat-accounts";
const AUDIENCE = "fedplat";
const ROLES: readonly Role[] = ["CUSTOMER", "STAFF", "ADMIN"];

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** A short-lived HS256 access token for `viewer`. */
export async function signAccessToken(viewer: Viewer, secret: string, ttlSeconds = 900): Promise<string> {
  return new SignJWT({ role: viewer.role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(viewer.id)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key(secret));
}

/**
 * Verifies a bearer token (signature, HS256 only, issuer, audience, expiry) and returns its
 * viewer; any failure is an UNAUTHENTICATED error that does not echo the token.
 */
export async function verifyAccessToken(token: string, secret: string): Promise<Viewer> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE });
    const role = payload.role;
    if (typeof payload.sub !== "string" || !ROLES.includes(role as Role)) throw unauthenticated("Invalid access token");
    return { id: payload.sub, role: role as Role, kind: "user" };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw unauthenticated("Access token expired");
    if (error instanceof joseErrors.JOSEError) throw unauthenticated("Invalid access token");
    throw error;
  }
}

/** The viewer of a request from its `Authorization: Bearer` header; null when there is none. */
export async function viewerFromAuthorization(header: string | undefined, secret: string): Promise<Viewer | null> {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw unauthenticated("Authorization header must be 'Bearer <token>'");
  return verifyAccessToken(match[1], secret);
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

/** The viewer when they hold one of `roles`, else UNAUTHENTICATED / FORBIDDEN. */
export function requireRole(context: { viewer: Viewer | null }, ...roles: Role[]): Viewer {
  const viewer = requireViewer(context);
  if (!roles.includes(viewer.role)) throw forbidden();
  return viewer;
}
