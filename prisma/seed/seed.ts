import { type AccountsPrisma, createAccountsPrisma, hashPassword } from "@fedplat/accounts";
import { type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { createNotificationsPrisma, type NotificationsPrisma } from "@fedplat/notifications";
import { createOrdersPrisma, type OrdersPrisma } from "@fedplat/orders";
import { createPaymentsPrisma, type PaymentProvider, type PaymentsPrisma } from "@fedplat/payments";
import { DATABASE_SERVICES } from "@fedplat/registry";
import { buildSeedData, type SeedData, type SeedPayment } from "./data";

export interface SeedClients {
  accounts: AccountsPrisma;
  catalog: CatalogPrisma;
  orders: OrdersPrisma;
  payments: PaymentsPrisma;
  notifications: NotificationsPrisma;
}

export type SeedReport = Record<keyof SeedClients, "seeded" | "skipped (not empty)">;

/** How the seed opens each service it has data for; services.json marks the same services (database.seedTable). */
const SEED_CLIENTS: { [name in keyof SeedClients]: (url: string) => SeedClients[name] } = {
  accounts: createAccountsPrisma,
  catalog: createCatalogPrisma,
  orders: createOrdersPrisma,
  payments: createPaymentsPrisma,
  notifications: createNotificationsPrisma,
};

/** Services whose database.seedTable setup watches (services.json): the seed must have data for exactly these. */
export const SEEDED_SERVICES: readonly string[] = DATABASE_SERVICES.filter(
  (service) => service.database?.seedTable,
).map((service) => service.name);

/** One client per seeded service, each on the database `urlOf(name)` names; throws when services.json and the seed disagree. */
export function createSeedClients(urlOf: (service: string) => string): SeedClients {
  const seeded = Object.keys(SEED_CLIENTS);
  const differ = [
    ...SEEDED_SERVICES.filter((name) => !seeded.includes(name)),
    ...seeded.filter((name) => !SEEDED_SERVICES.includes(name)),
  ];
  if (differ.length)
    throw new Error(`services.json (database.seedTable) and prisma/seed/seed.ts disagree on: ${differ.join(", ")}`);
  return Object.fromEntries(
    Object.entries(SEED_CLIENTS).map(([name, create]) => [name, create(urlOf(name))]),
  ) as unknown as SeedClients;
}

/**
 * The money of the seeded payments, at the payment provider: each SUCCEEDED payment charged
 * under its id, so that reconciliation finds the demo data consistent. Idempotent (charges are).
 */
export async function seedProviderLedger(provider: PaymentProvider, payments: readonly SeedPayment[]): Promise<void> {
  const succeeded = payments.filter((payment) => payment.state === "SUCCEEDED");
  for (let i = 0; i < succeeded.length; i += 20) {
    await Promise.all(
      succeeded
        .slice(i, i + 20)
        .map((payment) =>
          provider.charge({ idempotencyKey: payment.id, orderId: payment.orderId, amountCents: payment.amountCents }),
        ),
    );
  }
}

/**
 * Seeds every service whose tables are empty, each through its own Prisma client and in its
 * own transaction; a service that already has data is left alone, so running it twice is safe,
 * also at once (two setups on one database): the rows have fixed ids and duplicates are skipped.
 * With `paymentProvider` (a reliable one), seeded payments are also charged at the provider.
 */
export async function seed(
  clients: SeedClients,
  password: string,
  data: SeedData = buildSeedData(),
  paymentProvider?: PaymentProvider,
): Promise<SeedReport> {
  const passwordHash = await hashPassword(password); // one hash: every demo account shares the password
  const seedIf = async (empty: boolean, write: () => Promise<unknown>) => {
    if (!empty) return "skipped (not empty)" as const;
    await write();
    return "seeded" as const;
  };
  const [accounts, catalog, orders, payments, notifications] = await Promise.all([
    seedIf((await clients.accounts.user.count()) === 0, () =>
      clients.accounts.user.createMany({
        data: data.users.map((user) => ({ ...user, passwordHash, updatedAt: user.createdAt })),
        skipDuplicates: true,
      }),
    ),
    seedIf((await clients.catalog.product.count()) === 0, () =>
      clients.catalog.product.createMany({
        data: data.products.map((product) => ({ ...product, updatedAt: product.createdAt })),
        skipDuplicates: true,
      }),
    ),
    seedIf((await clients.orders.order.count()) === 0, () =>
      clients.orders.$transaction([
        clients.orders.order.createMany({ data: data.orders, skipDuplicates: true }),
        clients.orders.orderLine.createMany({ data: data.lines, skipDuplicates: true }),
      ]),
    ),
    seedIf((await clients.payments.payment.count()) === 0, async () => {
      await clients.payments.payment.createMany({ data: data.payments, skipDuplicates: true });
      if (paymentProvider) await seedProviderLedger(paymentProvider, data.payments);
    }),
    seedIf((await clients.notifications.notification.count()) === 0, () =>
      clients.notifications.notification.createMany({ data: data.notifications, skipDuplicates: true }),
    ),
  ]);
  return { accounts, catalog, orders, payments, notifications };
}
