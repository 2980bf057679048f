import type { UserResolvers } from "../generated/resolvers";

export const User: UserResolvers = {
  // Entity references from other subgraphs (Order.customer, ...) are batched per request.
  __resolveReference: ({ id }, { loaders }) => loaders.user.load(id),
  phone: (user, _args, { settings }) =>
    user.phoneEncrypted ? settings.cipher.decrypt(user.phoneEncrypted, `${user.id}:phone`) : null,
  address: (user, _args, { settings }) =>
    user.addressEncrypted ? settings.cipher.decrypt(user.addressEncrypted, `${user.id}:address`) : null,
};
