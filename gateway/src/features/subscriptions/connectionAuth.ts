import { type TokenVerifier, type Viewer, viewerFromAuthorization } from "@fedplat/auth";
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
}

/** Whether credentials still stand for the same principal with the same role. */
const sameViewer = (now: Viewer | null, then: Viewer) => now?.id === then.id && now.role === then.role;

/** Why a connection is refused: the close code and a reason safe to show the client. */
export class ConnectionRefused extends Error {
  constructor(
    readonly code: number,
    reason: string,
  ) {
    super(reason);
  }
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
export function createConnectionAuthenticator(options: { verifyToken: TokenVerifier; apiKeys: ApiKeyResolver }) {
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
        return { viewer, stillValid: async () => sameViewer(await options.apiKeys.resolve(apiKey), viewer) };
      }
      const viewer = await viewerFromAuthorization(authorization, options.verifyToken);
      if (!viewer || !authorization)
        throw new ConnectionRefused(
          SubscriptionCloseCode.Unauthorized,
          'Authentication required: send { "authorization": "Bearer <token>" } or { "x-api-key": "<key>" } in connection_init',
        );
      // Verified just above; only its expiry is read here.
      const exp = decodeJwt(authorization.replace(/^Bearer\s+/i, "")).exp;
      // Re-verified (a cached check) before each event: a logout, a password change, a role change
      // or disabling the user closes the connection within the gateway's session cache time.
      const stillValid = () =>
        viewerFromAuthorization(authorization, options.verifyToken).then(
          (now) => sameViewer(now, viewer),
          () => false,
        );
      return { viewer, stillValid, ...(exp ? { expiresAt: exp * 1000 } : {}) };
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
