import { hashPassword, type AccountsPrisma } from "@fedplat/accounts";
import type { CatalogPrisma } from "@fedplat/catalog";
import type { NotificationsPrisma } from "@fedplat/notifications";
import type { OrdersPrisma } from "@fedplat/orders";
import type { PaymentProvider, PaymentsPrisma } from "@fedplat/payments";
import { buildSeedData, type SeedData, type SeedPayment } from "./data";

export interface SeedClients {
  accounts: AccountsPrisma;
  catalog: CatalogPrisma;
  orders: OrdersPrisma;
  payments: PaymentsPrisma;
  notifications: NotificationsPrisma;
}

export type SeedReport = Record<keyof SeedClients, "seeded" | "skipped (not empty)">;

/**
 * The money of the seeded payments, at the payment provider: each SUCCEEDED payment charged
 * under its id, so that reconciliation finds the demo data consistent. Idempotent (charges are).
 */
export async function seedProviderLedger(provider: PaymentProvider, payments: readonly SeedPayment[]): Promise<void> {
  const succeeded = payments.filter((payment) => payment.state === "SUCCEEDED");
  for (let i = 0; i < succeeded.length; i += 20) {
    await Promise.all(succeeded.slice(i, i + 20).map((payment) => provider.charge({ idempotencyKey: payment.id, orderId: payment.orderId, amountCents: payment.amountCents })));
  }
}

/**
 * Seeds every service whose tables are empty, each through its own Prisma client and in its
 * own transaction; a service that already has data is left alone, so running it twice is safe.
 * With `paymentProvider` (a reliable one), seeded payments are also charged at the provider.
 */
export async function seed(clients: SeedClients, password: string, data: SeedData = buildSeedData(), paymentProvider?: PaymentProvider): Promise<SeedReport> {
  const passwordHash = await hashPassword(password); // one hash: every demo account shares the password
  const seedIf = async (empty: boolean, write: () => Promise<unknown>) => {
    if (!empty) return "skipped (not empty)" as const;
    await write();
    return "seeded" as const;
  };
  const [accounts, catalog, orders, payments, notifications] = await Promise.all([
    seedIf((await clients.accounts.user.count()) === 0, () =>
      clients.accounts.user.createMany({ data: data.users.map((user) => ({ ...user, passwordHash, updatedAt: user.createdAt })) }),
    ),
    seedIf((await clients.catalog.product.count()) === 0, () =>
      clients.catalog.product.createMany({ data: data.products.map((product) => ({ ...product, updatedAt: product.createdAt })) }),
    ),
    seedIf((await clients.orders.order.count()) === 0, () =>
      clients.orders.$transaction([clients.orders.order.createMany({ data: data.orders }), clients.orders.orderLine.createMany({ data: data.lines })]),
    ),
    seedIf((await clients.payments.payment.count()) === 0, async () => {
      await clients.payments.payment.createMany({ data: data.payments });
      if (paymentProvider) await seedProviderLedger(paymentProvider, data.payments);
    }),
    seedIf((await clients.notifications.notification.count()) === 0, () => clients.notifications.notification.createMany({ data: data.notifications })),
  ]);
  return { accounts, catalog, orders, payments, notifications };
}
