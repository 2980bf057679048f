import { createAccountsPrisma } from "@fedplat/accounts";
import { createCatalogPrisma } from "@fedplat/catalog";
import { createTestDatabase, type TestDatabase } from "@fedplat/devkit";
import { createNotificationsPrisma } from "@fedplat/notifications";
import { createOrdersPrisma } from "@fedplat/orders";
import { createPaymentsPrisma } from "@fedplat/payments";
import argon2 from "argon2";
import { buildSeedData } from "../seed/data";
import { seed, type SeedClients } from "../seed/seed";

let database: TestDatabase;
let clients: SeedClients;

beforeAll(async () => {
  database = await createTestDatabase();
  clients = {
    accounts: createAccountsPrisma(database.url),
    catalog: createCatalogPrisma(database.url),
    orders: createOrdersPrisma(database.url),
    payments: createPaymentsPrisma(database.url),
    notifications: createNotificationsPrisma(database.url),
  };
});
afterAll(async () => {
  await Promise.all(Object.values(clients ?? {}).map((client) => client.$disconnect()));
  await database?.drop();
});

describe("seed", () => {
  it("leaves services that already have data alone", async () => {
    const before = await clients.orders.order.count();
    expect(await seed(clients, "Passw0rd!")).toEqual({
      accounts: "skipped (not empty)",
      catalog: "skipped (not empty)",
      orders: "skipped (not empty)",
      payments: "skipped (not empty)",
      notifications: "skipped (not empty)",
    });
    expect(await clients.orders.order.count()).toBe(before);
  });

  it("fills an emptied service with the same rows, and the demo password works", async () => {
    await clients.catalog.product.deleteMany();
    await clients.accounts.user.deleteMany();
    const report = await seed(clients, "An0ther-pass");
    expect(report).toMatchObject({ accounts: "seeded", catalog: "seeded", orders: "skipped (not empty)" });
    const expected = buildSeedData();
    expect(await clients.catalog.product.count()).toBe(expected.products.length);
    const admin = await clients.accounts.user.findUniqueOrThrow({ where: { email: "admin@example.com" } });
    expect(admin.id).toBe(expected.users[0]?.id);
    expect(admin.role).toBe("ADMIN");
    expect(await argon2.verify(admin.passwordHash, "An0ther-pass")).toBe(true);
  });
});
