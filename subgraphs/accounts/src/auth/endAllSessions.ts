import type { AccountsPrisma } from "../db";

/**
 * Ends every session of every user (docs/runbook.md, "End every session"): revokes all refresh
 * tokens and bumps every user's token version, so each gateway refuses every access token issued
 * so far within its session cache time (SESSION_CHECK_MS, <= 5 s). API keys are not sessions:
 * revoke them apart. One transaction, so no user is left half signed out.
 */
export async function endAllSessions(prisma: AccountsPrisma): Promise<{ users: number; refreshTokens: number }> {
  return prisma.$transaction(async (tx) => {
    const refreshTokens = await tx.refreshToken.updateMany({
      where: { revokedAt: null },
      data: { revokedAt: new Date() },
    });
    const users = await tx.user.updateMany({ data: { tokenVersion: { increment: 1 } } });
    return { users: users.count, refreshTokens: refreshTokens.count };
  });
}
