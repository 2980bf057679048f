import { createHash, randomBytes } from "node:crypto";
import { signAccessToken } from "@fedplat/auth";
import type { AccountsContext } from "../context";
import type { User } from "../generated/prisma/client";

export interface AuthPayloadModel {
  accessToken: string;
  refreshToken: string;
  user: User;
}

/** Refresh tokens are random; only their SHA-256 is stored, so a database leak reveals none. */
export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Issues an access token and stores a new refresh token for `user`. The rest of this operation
 * runs as that user, so the payload's `user { email }` passes the ownership rules.
 */
export async function issueTokens(
  context: Pick<AccountsContext, "prisma" | "settings" | "viewer">,
  user: User,
): Promise<AuthPayloadModel> {
  const refreshToken = randomBytes(32).toString("base64url");
  await context.prisma.refreshToken.create({
    data: {
      userId: user.id,
      tokenHash: hashRefreshToken(refreshToken),
      expiresAt: new Date(Date.now() + context.settings.refreshTokenTtlSeconds * 1000),
    },
  });
  const accessToken = await signAccessToken(
    { id: user.id, role: user.role, tokenVersion: user.tokenVersion },
    context.settings.signingKey,
    context.settings.accessTokenTtlSeconds,
  );
  context.viewer = { id: user.id, roles: [user.role], scopes: [], kind: "user" };
  return { accessToken, refreshToken, user };
}
