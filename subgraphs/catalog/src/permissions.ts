import { allow, isAdmin, type SubgraphRules } from "@fedplat/subgraph";

/** Deny by default (see withPermissions): product data is public; only admins change it and read its audit log. */
export const permissions: SubgraphRules = {
  Query: { product: allow, products: allow, catalogAuditLog: isAdmin },
  Mutation: { createProduct: isAdmin, updateProduct: isAdmin },
  Product: allow,
  ProductConnection: allow,
  ProductEdge: allow,
  PageInfo: allow,
  AuditEvent: isAdmin,
  AuditEventEdge: isAdmin,
  AuditEventConnection: isAdmin,
};
