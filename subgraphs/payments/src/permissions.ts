import { allow, hasRole, isAuthenticated, ownedBy, type SubgraphRules } from "@fedplat/subgraph";
import type { Payment } from "./generated/prisma/client";
import { ADMIN_ROLES, STAFF_ROLES } from "./roles";

const isAdmin = hasRole(...ADMIN_ROLES);

/** Deny by default (see withPermissions): every type and field of this subgraph has a rule here. */
export const permissions: SubgraphRules = {
  Query: { paymentReconciliation: isAdmin },
  PaymentReconciliation: isAdmin,
  PaymentMismatch: isAdmin,
  Order: { id: allow, payment: isAuthenticated },
  // Every field of a payment: the customer of its order, or staff.
  Payment: ownedBy<Payment>((payment) => payment.customerId, { orRoles: STAFF_ROLES }),
};
