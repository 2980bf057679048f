import { jwtVerify, SignJWT } from "jose";
import { unauthenticated } from "./errors";
import type { Role, Viewer } from "./identity";

/** The header that carries the caller's signed identity from the gateway to a subgraph. */
export const IDENTITY_HEADER = "x-fedplat-identity";

const AUDIENCE = "fedplat-subgraphs";
const TTL_SECONDS = 60;

/** Who sent a request to a subgraph: the gateway on behalf of a client, or another service. */
export type Caller = { kind: "gateway" } | { kind: "service"; name: string };

export interface CallerIdentity {
  caller: Caller;
  viewer: Viewer | null;
}

const key = (secret: string) => new TextEncoder().encode(secret);

/**
 * Signs what the gateway (or a service) asserts about a request: who the viewer is, if anyone.
 * Subgraphs hold the same secret and accept nothing unsigned, so identity headers cannot be
 * forged by calling a subgraph directly.
 */
export function signCallerIdentity(identity: CallerIdentity, secret: string): Promise<string> {
  const { viewer, caller } = identity;
  return new SignJWT({
    ...(viewer ? { role: viewer.role, kind: viewer.kind ?? "user" } : { kind: "anonymous" }),
  })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(caller.kind === "gateway" ? "fedplat-gateway" : `fedplat-service:${caller.name}`)
    .setAudience(AUDIENCE)
    .setSubject(viewer?.id ?? "anonymous")
    .setIssuedAt()
    .setExpirationTime(`${TTL_SECONDS}s`)
    .sign(key(secret));
}

const ROLES: readonly Role[] = ["CUSTOMER", "STAFF", "ADMIN"];

/** Verifies a subgraph request's identity header; anything missing or wrong is a 401. */
export async function verifyCallerIdentity(header: string | undefined, secret: string): Promise<CallerIdentity> {
  if (!header) throw unauthenticated("This service accepts only requests signed by the gateway");
  let payload;
  try {
    ({ payload } = await jwtVerify(header, key(secret), { algorithms: ["HS256"], audience: AUDIENCE }));
  } catch {
    throw unauthenticated("Invalid gateway identity");
  }
  const issuer = payload.iss ?? "";
  const caller: Caller | undefined =
    issuer === "fedplat-gateway" ? { kind: "gateway" } : issuer.startsWith("fedplat-service:") ? { kind: "service", name: issuer.slice("fedplat-service:".length) } : undefined;
  if (!caller) throw unauthenticated("Invalid gateway identity");
  if (payload.kind === "anonymous") return { caller, viewer: null };
  const role = payload.role as Role;
  if (typeof payload.sub !== "string" || !ROLES.includes(role) || (payload.kind !== "user" && payload.kind !== "apiKey")) {
    throw unauthenticated("Invalid gateway identity");
  }
  return { caller, viewer: { id: payload.sub, role, kind: payload.kind } };
}
