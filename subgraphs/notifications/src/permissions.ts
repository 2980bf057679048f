import { allow, isAuthenticated, ownedBy, type SubgraphRules } from "@fedplat/subgraph";
import type { Notification } from "./generated/prisma/client";
import type { UserReference } from "./references";
import { STAFF_ROLES } from "./roles";

/** Deny by default (see withPermissions): every type and field of this subgraph has a rule here. */
export const permissions: SubgraphRules = {
  Query: { notification: isAuthenticated },
  User: { id: allow, notifications: ownedBy<UserReference>((user) => user.id, { orRoles: STAFF_ROLES }) },
  Notification: ownedBy<Notification>((notification) => notification.userId, { orRoles: STAFF_ROLES }),
};
