import { paginate } from "@fedplat/common";
import type { QueryResolvers } from "../generated/resolvers";
import { auditLogPage } from "../audit";
import { apiKeyQueries } from "./apiKeys";

export const Query: QueryResolvers = {
  ...apiKeyQueries,
  me: (_parent, _args, { viewer, loaders }) => (viewer ? loaders.user.load(viewer.id) : null),

  // Who may call these: permissions.ts.
  user: (_parent, { id }, context) => context.loaders.user.load(id),

  accountsAuditLog: (_parent, args, { prisma }) => auditLogPage(prisma, args),

  users: (_parent, { first, after }, context) => {
    return paginate(
      { first, after },
      (page) => context.prisma.user.findMany({ ...page, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
      () => context.prisma.user.count(),
    );
  },
};
