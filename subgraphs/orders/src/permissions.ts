import { allow, isAuthenticated, isStaffRule, isUser, ownedBy, type SubgraphRules } from "@fedplat/subgraph";
import type { Order } from "./generated/prisma/client";
import type { UserReference } from "./references";

/** Deny by default (see withPermissions): every type and field of this subgraph has a rule here. */
export const permissions: SubgraphRules = {
  Query: { order: isAuthenticated, orders: isAuthenticated },
  // Orders are placed by people; staff (or a staff API key) may cancel anyone's.
  Mutation: { placeOrder: isUser, cancelOrder: isAuthenticated, setOrderStatus: isStaffRule },
  // Every field of an order, however it was reached: its customer or staff.
  Order: ownedBy<Order>((order) => order.customerId),
  OrderLine: allow, // reachable only through Order.lines
  User: { id: allow, orders: ownedBy<UserReference>((user) => user.id) },
  Product: allow,
  OrderConnection: allow,
  OrderEdge: allow,
  PageInfo: allow,
};
