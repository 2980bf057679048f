import { isAdmin, type SubgraphRules } from "@fedplat/subgraph";

/** Deny by default: everything here is for admins. */
export const operationsPermissions: SubgraphRules = {
  Query: isAdmin,
  Mutation: isAdmin,
  DeadLetter: isAdmin,
  DeadLetterReplay: isAdmin,
  AuditEvent: isAdmin,
  AuditEventEdge: isAdmin,
  AuditEventConnection: isAdmin,
  PageInfo: isAdmin,
};
