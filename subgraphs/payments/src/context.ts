import { type BaseContext, createByIdLoader, createUniqueLoader } from "@fedplat/common";
import type { PaymentsPrisma } from "./db";

export interface PaymentsContext extends BaseContext {
  prisma: PaymentsPrisma;
  loaders: ReturnType<typeof createLoaders>;
}

function createLoaders(prisma: PaymentsPrisma) {
  return {
    payment: createByIdLoader((ids) => prisma.payment.findMany({ where: { id: { in: ids } } })),
    paymentOfOrder: createUniqueLoader((orderIds) => prisma.payment.findMany({ where: { orderId: { in: orderIds } } }), (payment) => payment.orderId),
  };
}

/** Per request: fresh loaders, so batching and caching never cross requests. */
export function contextFactory(prisma: PaymentsPrisma) {
  return (base: BaseContext): PaymentsContext => ({ ...base, prisma, loaders: createLoaders(prisma) });
}
