import { type AccountsPrisma, createAccountsPrisma } from "@fedplat/accounts";
import { createTestDatabase, type TestDatabase } from "@fedplat/devkit";
import { sqlOf, sqlPoolOf, sqlStatements } from "@fedplat/event-store";

// Canary for the PrismaClient behaviour that packages/event-store/src/prismaPool.ts relies on
// (its header lists it; packages/event-store/test/prismaAdapter.int.test.ts covers the
// adapter's side): $transaction(fn) starts its transaction in the caller's async context and
// ends it with COMMIT or ROLLBACK sent as query texts on the same connection. If an upgrade
// changes that, sqlOf(tx) finds no connection (or no end) and these tests fail by name.

jest.setTimeout(60_000);

let database: TestDatabase;
let prisma: AccountsPrisma;

beforeAll(async () => {
  database = await createTestDatabase();
  prisma = createAccountsPrisma(database.url, { queryEvents: false });
});
afterAll(async () => {
  await prisma?.$disconnect();
  await database?.drop();
});

const transactionId = async (run: () => Promise<Array<{ id: string }>>) => (await run())[0]?.id;

describe("PrismaClient, as prismaPool.ts relies on it", () => {
  it("$transaction(fn) opens its transaction where sqlOf(tx) finds it: the same transaction as tx's own statements", async () => {
    await prisma.$transaction(async (tx) => {
      const sql = sqlOf(tx);
      expect(sql).toBeDefined();
      const viaPrisma = await transactionId(() => tx.$queryRaw`SELECT txid_current()::text AS id`);
      const viaSql = await transactionId(() => sql!.$queryRawUnsafe("SELECT txid_current()::text AS id"));
      expect(viaSql).toBe(viaPrisma);
    });
  });

  it("ends the transaction's connection on commit: sqlOf(tx) refuses a statement after it", async () => {
    let tx: object | undefined;
    await prisma.$transaction(async (open) => {
      tx = open;
      await open.$queryRaw`SELECT 1`;
    });
    await expect(sqlOf(tx!)!.$queryRawUnsafe("SELECT 1")).rejects.toThrow("Transaction already closed");
  });

  it("ends the transaction's connection on rollback: sqlOf(tx) refuses a statement after it", async () => {
    let tx: object | undefined;
    await expect(
      prisma.$transaction(async (open) => {
        tx = open;
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    await expect(sqlOf(tx!)!.$queryRawUnsafe("SELECT 1")).rejects.toThrow("Transaction already closed");
  });

  it("gives every transaction's connection back to the pool", async () => {
    const pool = sqlPoolOf(prisma);
    await Promise.all([1, 2, 3].map(() => prisma.$transaction(async (tx) => tx.$queryRaw`SELECT 1`)));
    await prisma.$transaction(async () => Promise.reject(new Error("abort"))).catch(() => undefined);
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });

  it("$disconnect ends the pool even when Prisma itself never ran a query", async () => {
    const client = createAccountsPrisma(database.url, { queryEvents: false });
    const pool = sqlPoolOf(client);
    await sqlStatements(pool).$queryRawUnsafe("SELECT 1");
    await client.$disconnect();
    expect(pool.ended).toBe(true);
  });
});
