import { defineEventService } from "@fedplat/event-store";
import { createPaymentsPrisma } from "../db";
import { createPaymentsEventHandlers } from "./handlers";
import type { PaymentProvider } from "./provider";

/** The provider the workers were started with (host.dependencies.payments), checked by shape. */
function providerOf(dependency: unknown): PaymentProvider {
  const provider = dependency as Partial<PaymentProvider> | undefined;
  if (typeof provider?.charge !== "function" || typeof provider.refund !== "function")
    throw new Error("payments: the workers were started without a payment provider (dependencies.payments)");
  return provider as PaymentProvider;
}

/** How the workers host payments' events: with the payment provider they were given. */
export const eventService = defineEventService({
  createPrisma: createPaymentsPrisma,
  createHandlers: (prisma, host) =>
    createPaymentsEventHandlers(prisma, providerOf(host.dependencies.payments), host.live),
});
