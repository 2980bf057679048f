import { isUuid, paginate } from "@fedplat/subgraph";
import type { QueryResolvers } from "../generated/resolvers";
import { auditLogPage } from "../audit";
import { apiKeyQueries } from "./apiKeys";

export const Query: QueryResolvers = {
  ...apiKeyQueries,
  me: (_parent, _args, { viewer, loaders }) => (viewer ? loaders.user.load(viewer.id) : null),

  // Who may call these: permissions.ts.
  user: (_parent, { id }, context) => context.loaders.user.load(id),

  accountsAuditLog: (_parent, args, { prisma }) => auditLogPage(prisma, args),

  // The gateway asks this at most once per user per replica per SESSION_CHECK_MS (sessionChecker.ts).
  sessionState: async (_parent, { userId }, { prisma }) => {
    if (!isUuid(userId)) return null;
    const user = await prisma.user.findUnique({
      where: { id: userId },
      select: { role: true, disabledAt: true, tokenVersion: true },
    });
    return user ? { role: user.role, disabled: user.disabledAt !== null, tokenVersion: user.tokenVersion } : null;
  },

  users: (_parent, { first, after }, context) => {
    return paginate(
      { first, after },
      (page) => context.prisma.user.findMany({ ...page, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
      () => context.prisma.user.count(),
    );
  },
};
