import { badInput } from "@fedplat/runtime";
import { isUuid, paginate } from "@fedplat/subgraph";
import type { AccountsPrisma } from "../db";
import type { QueryResolvers } from "../generated/resolvers";
import { auditLogPage } from "../audit";
import { apiKeyQueries } from "./apiKeys";

const MAX_SESSION_STATES = 500;

/** Each user's session state, in the order of `userIds`; null for an unknown (or malformed) id. */
async function sessionStates(prisma: AccountsPrisma, userIds: readonly string[]) {
  const ids = userIds.filter(isUuid);
  const users =
    ids.length === 0
      ? []
      : await prisma.user.findMany({
          where: { id: { in: ids } },
          select: { id: true, role: true, disabledAt: true, tokenVersion: true },
        });
  const byId = new Map(users.map((user) => [user.id, user]));
  return userIds.map((id) => {
    const user = byId.get(id);
    return user ? { role: user.role, disabled: user.disabledAt !== null, tokenVersion: user.tokenVersion } : null;
  });
}

export const Query: QueryResolvers = {
  ...apiKeyQueries,
  me: (_parent, _args, { viewer, loaders }) => (viewer ? loaders.user.load(viewer.id) : null),

  // Who may call these: permissions.ts.
  user: (_parent, { id }, context) => context.loaders.user.load(id),

  accountsAuditLog: (_parent, args, { prisma }) => auditLogPage(prisma, args),

  // The gateway asks this at most once per user per replica per SESSION_CHECK_MS (sessionChecker.ts).
  sessionState: async (_parent, { userId }, { prisma }) => (await sessionStates(prisma, [userId]))[0] ?? null,

  // Batched by the gateway: one call per up to MAX_SESSION_STATES users instead of one per user.
  sessionStates: async (_parent, { userIds }, { prisma }) => {
    if (userIds.length > MAX_SESSION_STATES)
      throw badInput(`userIds: at most ${MAX_SESSION_STATES} per call`, "userIds");
    return sessionStates(prisma, userIds);
  },

  users: (_parent, { first, after }, context) => {
    return paginate(
      { first, after },
      (page) => context.prisma.user.findMany({ ...page, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
      () => context.prisma.user.count(),
    );
  },
};
