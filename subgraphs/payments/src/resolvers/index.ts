import { forbidden, isStaff, requireViewer } from "@fedplat/common";
import type { OrderResolvers, PaymentResolvers, Resolvers } from "../generated/resolvers";

const Payment: PaymentResolvers = {
  __resolveReference: async ({ id }, context) => {
    const payment = await context.loaders.payment.load(id);
    const viewer = requireViewer(context);
    return payment && (payment.customerId === viewer.id || isStaff(viewer)) ? payment : null;
  },
};

const Order: OrderResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  // A customer sees only the payments of their own orders; staff see all.
  payment: async (order, _args, context) => {
    const viewer = requireViewer(context);
    const payment = await context.loaders.paymentOfOrder.load(order.id);
    if (payment && payment.customerId !== viewer.id && !isStaff(viewer)) throw forbidden("You can only read your own payments");
    return payment;
  },
};

export const resolvers: Resolvers = { Payment, Order };
