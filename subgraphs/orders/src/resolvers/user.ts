import { pageSize } from "@fedplat/subgraph";
import type { UserResolvers } from "../generated/resolvers";

export const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),

  // Who may read them: permissions.ts (the user themself, or staff).
  orders: (user, { first }, context) =>
    context.loaders.ordersOfCustomer.load({ parentId: user.id, limit: pageSize(first, 10) }),
};
