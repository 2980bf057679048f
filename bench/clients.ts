import { createAccountsPrisma } from "@fedplat/accounts";
import { createCatalogPrisma } from "@fedplat/catalog";
import { createNotificationsPrisma } from "@fedplat/notifications";
import { createOrdersPrisma } from "@fedplat/orders";
import { createPaymentsPrisma } from "@fedplat/payments";
import type { ServiceClients } from "@fedplat/workers";

/** One Prisma client per service on `url`. */
export function clientsFor(url: string): ServiceClients {
  return {
    accounts: createAccountsPrisma(url),
    catalog: createCatalogPrisma(url),
    orders: createOrdersPrisma(url),
    payments: createPaymentsPrisma(url),
    notifications: createNotificationsPrisma(url),
  };
}
