import { hasRole, type SubgraphRules } from "@fedplat/subgraph";
import { ADMIN_ROLES } from "./roles";

const isAdmin = hasRole(...ADMIN_ROLES);

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
