import { type BaseContext, createByIdLoader, createUniqueLoader } from "@fedplat/subgraph";
import type { PaymentsPrisma } from "./db";
import type { PaymentLedger } from "./provider/simulatedProvider";

export interface PaymentsContext extends BaseContext {
  prisma: PaymentsPrisma;
  loaders: ReturnType<typeof createLoaders>;
  /** The payment provider's ledger, for reconciliation. */
  ledger: PaymentLedger;
  /** Reconciliation skips PENDING payments younger than this. */
  reconcileGraceMs: number;
}

function createLoaders(prisma: PaymentsPrisma) {
  return {
    payment: createByIdLoader((ids) => prisma.payment.findMany({ where: { id: { in: ids } } })),
    paymentOfOrder: createUniqueLoader(
      (orderIds) => prisma.payment.findMany({ where: { orderId: { in: orderIds } } }),
      (payment) => payment.orderId,
    ),
  };
}

/** Per request: fresh loaders, so batching and caching never cross requests. */
export function contextFactory(prisma: PaymentsPrisma, ledger: PaymentLedger, reconcileGraceMs: number) {
  return (base: BaseContext): PaymentsContext => ({
    ...base,
    prisma,
    loaders: createLoaders(prisma),
    ledger,
    reconcileGraceMs,
  });
}
