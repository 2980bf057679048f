import { allow, hasRole, type SubgraphRules } from "@fedplat/subgraph";
import { ADMIN_ROLES } from "./roles";

const isAdmin = hasRole(...ADMIN_ROLES);

/** Deny by default (see withPermissions): product data is public; only admins change it and read its audit log. */
export const permissions: SubgraphRules = {
  Query: { product: allow, products: allow, catalogAuditLog: isAdmin },
  Mutation: { createProduct: isAdmin, updateProduct: isAdmin, uploadProductImage: isAdmin },
  Product: allow,
  ProductConnection: allow,
  ProductEdge: allow,
  PageInfo: allow,
  AuditEvent: isAdmin,
  AuditEventEdge: isAdmin,
  AuditEventConnection: isAdmin,
};
