import { hasRole, requireViewer } from "@fedplat/auth";
import { paginate } from "@fedplat/subgraph";
import type { Prisma } from "../generated/prisma/client";
import type { QueryResolvers } from "../generated/resolvers";
import { STAFF_ROLES } from "../roles";

export const Query: QueryResolvers = {
  // Another customer's order reads as not found, so ids cannot be probed. The role comes first:
  // a staff answer never reads the viewer's id, so staff subscribers share one execution per event.
  order: async (_parent, { id }, context) => {
    const viewer = requireViewer(context);
    const order = await context.loaders.order.load(id);
    return order && (hasRole(viewer, ...STAFF_ROLES) || order.customerId === viewer.id) ? order : null;
  },

  orders: (_parent, { first, after, status }, context) => {
    const viewer = requireViewer(context);
    const where: Prisma.OrderWhereInput = {
      ...(hasRole(viewer, ...STAFF_ROLES) ? {} : { customerId: viewer.id }),
      ...(status ? { status } : {}),
    };
    return paginate(
      { first, after },
      (page) => context.prisma.order.findMany({ ...page, where, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }),
      () => context.prisma.order.count({ where }),
    );
  },
};
