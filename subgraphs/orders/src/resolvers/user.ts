import { forbidden, isStaff, pageSize, requireViewer } from "@fedplat/common";
import type { UserResolvers } from "../generated/resolvers";

export const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),

  // A customer sees only their own orders; staff see anyone's.
  orders: (user, { first }, context) => {
    const viewer = requireViewer(context);
    if (viewer.id !== user.id && !isStaff(viewer)) throw forbidden("You can only read your own orders");
    return context.loaders.ordersOfCustomer.load({ parentId: user.id, limit: pageSize(first, 10) });
  },
};
