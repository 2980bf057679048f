export { type PaymentsPrisma, createPaymentsPrisma } from "./db";
export { buildPaymentsServer, typeDefs } from "./server";
export { createPaymentsEventHandlers } from "./events/handlers";
export { PaymentDeclinedError, type PaymentProvider, simulatedProvider } from "./events/provider";
export type { SimulatedProviderOptions } from "./events/provider";
