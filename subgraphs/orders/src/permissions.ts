import { allow, hasRole, isAuthenticated, isUser, ownedBy, type SubgraphRules } from "@fedplat/subgraph";
import type { Order } from "./generated/prisma/client";
import type { UserReference } from "./references";
import { STAFF_ROLES } from "./roles";

const isStaff = hasRole(...STAFF_ROLES);

/** Deny by default (see withPermissions): every type and field of this subgraph has a rule here. */
export const permissions: SubgraphRules = {
  Query: { order: isAuthenticated, orders: isAuthenticated },
  // Orders are placed by people; staff (or a staff API key) may cancel anyone's.
  Mutation: { placeOrder: isUser, cancelOrder: isAuthenticated, setOrderStatus: isStaff },
  // Every field of an order, however it was reached: its customer or staff.
  Order: ownedBy<Order>((order) => order.customerId, { orRoles: STAFF_ROLES }),
  OrderLine: allow, // reachable only through Order.lines
  User: { id: allow, orders: ownedBy<UserReference>((user) => user.id, { orRoles: STAFF_ROLES }) },
  Product: allow,
  OrderConnection: allow,
  OrderEdge: allow,
  PageInfo: allow,
};
