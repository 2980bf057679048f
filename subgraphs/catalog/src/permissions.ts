import { allow, type SubgraphRules } from "@fedplat/common";

/** Deny by default (see withPermissions): product data is public, so every catalog type is allowed. */
export const permissions: SubgraphRules = {
  Query: { product: allow, products: allow },
  Product: allow,
  ProductConnection: allow,
  ProductEdge: allow,
  PageInfo: allow,
};
