import { isStaff, requireViewer } from "@fedplat/auth";
import { paginate } from "@fedplat/subgraph";
import type { Prisma } from "../generated/prisma/client";
import type { QueryResolvers } from "../generated/resolvers";

export const Query: QueryResolvers = {
  // Another customer's order reads as not found, so ids cannot be probed.
  order: async (_parent, { id }, context) => {
    const viewer = requireViewer(context);
    const order = await context.loaders.order.load(id);
    return order && (order.customerId === viewer.id || isStaff(viewer)) ? order : null;
  },

  orders: (_parent, { first, after, status }, context) => {
    const viewer = requireViewer(context);
    const where: Prisma.OrderWhereInput = {
      ...(isStaff(viewer) ? {} : { customerId: viewer.id }),
      ...(status ? { status } : {}),
    };
    return paginate(
      { first, after },
      (page) => context.prisma.order.findMany({ ...page, where, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }),
      () => context.prisma.order.count({ where }),
    );
  },
};
