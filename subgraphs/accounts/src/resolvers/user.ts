import type { UserResolvers } from "../generated/resolvers";

export const User: UserResolvers = {
  // Entity references from other subgraphs (Order.customer, ...) are batched per request.
  __resolveReference: ({ id }, { loaders }) => loaders.user.load(id),
};
