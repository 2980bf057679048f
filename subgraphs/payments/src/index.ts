export { type PaymentsPrisma, createPaymentsPrisma } from "./db";
export { buildPaymentsServer, typeDefs } from "./server";
