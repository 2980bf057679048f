import type { OrderResolvers, PaymentResolvers, Resolvers } from "../generated/resolvers";

// Who may read a payment: permissions.ts (the order's customer, or staff).
const Payment: PaymentResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.payment.load(id),
};

const Order: OrderResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  payment: (order, _args, { loaders }) => loaders.paymentOfOrder.load(order.id),
};

export const resolvers: Resolvers = { Payment, Order };
