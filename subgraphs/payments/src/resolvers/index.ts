import { badInput } from "@fedplat/runtime";
import type { OrderResolvers, PaymentResolvers, QueryResolvers, Resolvers } from "../generated/resolvers";
import { reconcilePayments } from "../reconciliation";

const MAX_MISMATCHES_LISTED = 1_000;

// Who may reconcile: permissions.ts (admins only).
const Query: QueryResolvers = {
  paymentReconciliation: async (_parent, { first, graceSeconds }, { prisma, ledger, reconcileGraceMs }) => {
    const limit = first ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_MISMATCHES_LISTED)
      throw badInput(`first: must be between 1 and ${MAX_MISMATCHES_LISTED}`, "first");
    if (graceSeconds !== null && graceSeconds !== undefined && graceSeconds < 0)
      throw badInput("graceSeconds: must not be negative", "graceSeconds");
    const graceMs = graceSeconds === null || graceSeconds === undefined ? reconcileGraceMs : graceSeconds * 1_000;
    const result = await reconcilePayments(prisma, ledger, { graceMs });
    return { ...result, mismatchCount: result.mismatches.length, mismatches: result.mismatches.slice(0, limit) };
  },
};

// Who may read a payment: permissions.ts (the order's customer, or staff).
const Payment: PaymentResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.payment.load(id),
};

const Order: OrderResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  payment: (order, _args, { loaders }) => loaders.paymentOfOrder.load(order.id),
};

export const resolvers: Resolvers = { Query, Payment, Order };
