import { forbidden, isStaff, paginate, requireRole } from "@fedplat/common";
import type { QueryResolvers } from "../generated/resolvers";

export const Query: QueryResolvers = {
  me: (_parent, _args, { viewer, loaders }) => (viewer ? loaders.user.load(viewer.id) : null),

  user: (_parent, { id }, context) => {
    const viewer = requireRole(context, "CUSTOMER", "STAFF", "ADMIN");
    if (viewer.id !== id && !isStaff(viewer)) throw forbidden("You can only read your own account");
    return context.loaders.user.load(id);
  },

  users: (_parent, { first, after }, context) => {
    requireRole(context, "STAFF", "ADMIN");
    return paginate(
      { first, after },
      (page) => context.prisma.user.findMany({ ...page, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
      () => context.prisma.user.count(),
    );
  },
};
