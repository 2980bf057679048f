import type { OrderStatus } from "./generated/prisma/client";

/** The order status machine: a status never goes backwards. */
const next: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ["CONFIRMED", "CANCELLED"],
  CONFIRMED: ["SHIPPED", "CANCELLED"],
  SHIPPED: ["DELIVERED"],
  DELIVERED: [],
  CANCELLED: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return next[from].includes(to);
}

/** The statuses from which `to` can be reached in one step. */
export function statusesLeadingTo(to: OrderStatus): OrderStatus[] {
  return (Object.keys(next) as OrderStatus[]).filter((from) => canTransition(from, to));
}
