import { createHash } from "node:crypto";
import { type TokenVerifier, type Viewer, viewerFromAuthorization, viewerKey } from "@fedplat/auth";
import type { Logger } from "@fedplat/runtime";
import { GraphQLError } from "graphql";
import { decodeJwt } from "jose";
import type { ApiKeyResolver } from "../identity/apiKeyResolver";
import { SubscriptionCloseCode } from "./closeCodes";

/** Who a connection acts for, for how long, and how to check it still may. */
export interface ConnectionIdentity {
  viewer: Viewer;
  /** When the access token expires (epoch ms); the connection closes then. */
  expiresAt?: number;
  /** False once the key is revoked or expired, or the token's session ended, or the role changed (cached look-ups). */
  stillValid?: () => Promise<boolean>;
  /** What the idle-connection sweep re-checks (sessionSweep.ts); absent when there is no session to end. */
  session?: ConnectionSession;
}

/** "unknown": accounts could not answer; the sweep leaves the connection to the next sweep and the per-event check. */
export type SessionVerdict = "valid" | "ended" | "unknown";

export interface ConnectionSession {
  /** Connections with the same key stand or fall together: one check per key per sweep (per viewer, not per connection). */
  key: string;
  check(): Promise<SessionVerdict>;
}

/** Whether credentials still stand for the same principal with the same roles, scopes and tenant. */
const sameViewer = (now: Viewer | null, then: Viewer) => !!now && viewerKey(now) === viewerKey(then);

/** A look-up's verdict on a viewer: refused credentials end it, any other failure leaves it unknown. */
const verdictOf = (lookUp: Promise<Viewer | null>, then: Viewer): Promise<SessionVerdict> =>
  lookUp.then(
    (now) => (sameViewer(now, then) ? "valid" : "ended"),
    (error: unknown) =>
      error instanceof GraphQLError && error.extensions.code === "UNAUTHENTICATED" ? "ended" : "unknown",
  );

/** Why a connection is refused: the close code and a reason safe to show the client. */
export class ConnectionRefused extends Error {
  constructor(
    readonly code: number,
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * What refuses a subscriber whose authentication threw, on any transport: its ConnectionRefused,
 * or for anything else (an outage of accounts, say) "try again later", logged. `counted` records
 * the refusal (subscriptionCore's refused).
 */
export function authenticationRefusal(
  cause: unknown,
  logger: Pick<Logger, "error">,
  counted: (reason: "unauthenticated" | "unavailable") => void,
): ConnectionRefused {
  const refusal =
    cause instanceof ConnectionRefused
      ? cause
      : new ConnectionRefused(SubscriptionCloseCode.TryAgainLater, "Credentials cannot be checked right now");
  if (!(cause instanceof ConnectionRefused)) logger.error({ err: cause }, "subscription authentication failed");
  counted(refusal.code === SubscriptionCloseCode.Unauthorized ? "unauthenticated" : "unavailable");
  return refusal;
}

const param = (params: Record<string, unknown> | undefined, ...names: string[]) => {
  for (const name of names) {
    const value = params?.[name];
    if (typeof value === "string") return value;
  }
  return undefined;
};

/**
 * Authenticates a connection from its connection_init payload with the same credentials as HTTP:
 * `{ "authorization": "Bearer <access token>" }` or `{ "x-api-key": "<key>" }`.
 */
export function createConnectionAuthenticator(options: {
  verifyToken: TokenVerifier;
  apiKeys: ApiKeyResolver;
  sessionCheckOf?: (token: string) => ((viewer: Viewer) => Promise<Viewer>) | undefined;
}) {
  return async (params: Record<string, unknown> | undefined): Promise<ConnectionIdentity> => {
    const authorization = param(params, "authorization", "Authorization");
    const apiKey = param(params, "x-api-key", "X-Api-Key");
    if (authorization && apiKey)
      throw new ConnectionRefused(
        SubscriptionCloseCode.Unauthorized,
        "Send either authorization or x-api-key, not both",
      );
    try {
      if (apiKey) {
        const viewer = await options.apiKeys.resolve(apiKey);
        if (!viewer)
          throw new ConnectionRefused(SubscriptionCloseCode.Unauthorized, "Invalid, revoked or expired API key");
        const session: ConnectionSession = {
          key: `apiKey:${createHash("sha256").update(apiKey).digest("hex")}`,
          check: () => verdictOf(options.apiKeys.resolve(apiKey), viewer),
        };
        return { viewer, session, stillValid: async () => sameViewer(await options.apiKeys.resolve(apiKey), viewer) };
      }
      const viewer = await viewerFromAuthorization(authorization, options.verifyToken);
      if (!viewer || !authorization)
        throw new ConnectionRefused(
          SubscriptionCloseCode.Unauthorized,
          'Authentication required: send { "authorization": "Bearer <token>" } or { "x-api-key": "<key>" } in connection_init',
        );
      // Verified just above; only its expiry is read here.
      const token = authorization.replace(/^Bearer\s+/i, "");
      const exp = decodeJwt(token).exp;
      // Re-verified (a cached check) before each event: a logout, a password change, a role change
      // or disabling the user closes the connection within the gateway's session cache time.
      const stillValid = () =>
        viewerFromAuthorization(authorization, options.verifyToken).then(
          (now) => sameViewer(now, viewer),
          () => false,
        );
      // The sweep checks only the session: the token's signature does not change, its expiry has a timer.
      const checkSession = options.sessionCheckOf?.(token);
      const session: ConnectionSession | undefined = checkSession && {
        key: `user:${viewer.tokenVersion ?? 0}:${viewerKey(viewer)}`,
        check: () => verdictOf(checkSession(viewer), viewer),
      };
      return { viewer, stillValid, ...(session ? { session } : {}), ...(exp ? { expiresAt: exp * 1000 } : {}) };
    } catch (error) {
      if (error instanceof ConnectionRefused) throw error;
      if (error instanceof GraphQLError && error.extensions.code === "UNAUTHENTICATED")
        throw new ConnectionRefused(SubscriptionCloseCode.Unauthorized, error.message);
      throw new ConnectionRefused(
        SubscriptionCloseCode.TryAgainLater,
        "Credentials cannot be checked right now; try again later",
      );
    }
  };
}
