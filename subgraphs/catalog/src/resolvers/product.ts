import type { ProductResolvers } from "../generated/resolvers";

export const Product: ProductResolvers = {
  // OrderLine.product references from orders are batched per request.
  __resolveReference: ({ id }, { loaders }) => loaders.product.load(id),
};
