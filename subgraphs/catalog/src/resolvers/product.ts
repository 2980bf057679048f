import type { ProductResolvers } from "../generated/resolvers";
import { imageUrlOf } from "../images/productImage";

export const Product: ProductResolvers = {
  // OrderLine.product references from orders are batched per request.
  __resolveReference: ({ id }, { loaders }) => loaders.product.load(id),
  imageUrl: async ({ id }, _args, { loaders }) => {
    const image = await loaders.imageHash.load(id);
    return image ? imageUrlOf(id, image.sha256) : null;
  },
};
