export { type PaymentsPrisma, createPaymentsPrisma } from "./db";
export { buildPaymentsServer, type PaymentsServerDeps, typeDefs } from "./server";
export { createPaymentsEventHandlers } from "./events/handlers";
export {
  PaymentDeclinedError,
  type PaymentProvider,
  PaymentTimeoutError,
  PaymentVoidedError,
  type RefundResult,
} from "./events/provider";
export {
  loadPaymentProviderConfig,
  optionalPostgresUrl,
  type PaymentProviderConfig,
  paymentProviderSection,
} from "./provider/config";
export { paymentsSections } from "./sections";
export {
  type LedgerAccount,
  type LedgerEntry,
  type PaymentLedger,
  type SimulatedProvider,
  type SimulatedProviderOptions,
  simulatedProvider,
} from "./provider/simulatedProvider";
export { type MismatchReason, type PaymentMismatch, type Reconciliation, reconcilePayments } from "./reconciliation";
export { eventService } from "./events/eventService";
