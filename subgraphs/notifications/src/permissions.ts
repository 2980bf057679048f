import { allow, isAuthenticated, ownedBy, type SubgraphRules } from "@fedplat/subgraph";
import type { Notification } from "./generated/prisma/client";
import type { UserReference } from "./references";

/** Deny by default (see withPermissions): every type and field of this subgraph has a rule here. */
export const permissions: SubgraphRules = {
  Query: { notification: isAuthenticated },
  User: { id: allow, notifications: ownedBy<UserReference>((user) => user.id) },
  Notification: ownedBy<Notification>((notification) => notification.userId),
};
