import { type BaseContext, createByIdLoader, createUniqueLoader } from "@fedplat/subgraph";
import type { CatalogPrisma } from "./db";

export interface CatalogContext extends BaseContext {
  prisma: CatalogPrisma;
  loaders: ReturnType<typeof createLoaders>;
}

function createLoaders(prisma: CatalogPrisma) {
  return {
    product: createByIdLoader((ids) => prisma.product.findMany({ where: { id: { in: ids } } })),
    /** Product id -> its image's hash (Product.imageUrl), without the bytes. */
    imageHash: createUniqueLoader(
      (ids) =>
        prisma.productImage.findMany({ where: { productId: { in: ids } }, select: { productId: true, sha256: true } }),
      (image) => image.productId,
    ),
  };
}

/** Per request: fresh loaders, so batching and caching never cross requests. */
export function contextFactory(prisma: CatalogPrisma) {
  return (base: BaseContext): CatalogContext => ({ ...base, prisma, loaders: createLoaders(prisma) });
}
