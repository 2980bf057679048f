import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type AccountsPrisma, createAccountsPrisma } from "@fedplat/accounts";
import { countStatements, writeOutbox } from "@fedplat/event-store";
import { createTestDatabase, type TestDatabase } from "@fedplat/devkit";
import { createEvent } from "@fedplat/events";

// writeOutbox sends its statement straight to the connection of the Prisma transaction it is
// called in (sqlOf in @fedplat/event-store), past Prisma's query compiler. These tests hold it to the
// guarantees of Prisma's own transaction client: same transaction, and nothing ever written
// outside it.

jest.setTimeout(60_000);

let database: TestDatabase;
let prisma: AccountsPrisma;
const statements: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  prisma = createAccountsPrisma(database.url); // with query events, so Prisma's statements can be seen
  prisma.$on("query", (event) => statements.push(event.query));
});
afterAll(async () => {
  await prisma?.$disconnect();
  await database?.drop();
});

const registered = () =>
  createEvent(
    "user.registered",
    { userId: randomUUID(), email: `${randomUUID()}@example.com`, name: "Ada" },
    { producer: "accounts" },
  );
const stored = (ids: string[]) => prisma.outboxEvent.count({ where: { id: { in: ids } } });

describe("outbox writes in a Prisma transaction", () => {
  it("run in the transaction: seen by its own statements before the commit, by nobody else until then", async () => {
    const event = registered();
    let seenInside = -1;
    let seenOutside = -1;
    await prisma.$transaction(async (tx) => {
      await writeOutbox(tx, [event]);
      seenInside = await tx.outboxEvent.count({ where: { id: event.eventId } });
      seenOutside = await stored([event.eventId]);
    });
    expect(seenInside).toBe(1);
    expect(seenOutside).toBe(0);
    expect(await stored([event.eventId])).toBe(1);
  });

  it("skip Prisma's query compiler (Prisma runs none of the outbox statements)", async () => {
    statements.length = 0;
    const event = registered();
    await prisma.$transaction(async (tx) => {
      await tx.user.count(); // a statement Prisma does run, so the listener is known to work
      await writeOutbox(tx, [event]);
    });
    expect(statements.some((sql) => sql.includes('"users"'))).toBe(true);
    expect(statements.filter((sql) => sql.includes("outbox"))).toEqual([]);
    expect(await stored([event.eventId])).toBe(1);
  });

  it("are counted with Prisma's own statements (db_statements_total)", async () => {
    let counted = 0;
    const client = createAccountsPrisma(database.url);
    countStatements(client, () => counted++);
    const statementsOf = async (withOutbox: boolean) => {
      const before = counted;
      await client.$transaction(async (tx) => {
        await tx.user.count();
        if (withOutbox) await writeOutbox(tx, [registered()]);
      });
      return counted - before;
    };
    try {
      const prismaOnly = await statementsOf(false);
      expect(prismaOnly).toBeGreaterThan(0);
      // The same transaction with an outbox write: one statement more.
      expect(await statementsOf(true)).toBe(prismaOnly + 1);
    } finally {
      await client.$disconnect();
    }
  });

  it("are rolled back with the transaction, each transaction on its own connection", async () => {
    const events = Array.from({ length: 20 }, registered);
    const results = await Promise.allSettled(
      events.map((event, i) =>
        prisma.$transaction(async (tx) => {
          await writeOutbox(tx, [event]);
          await tx.user.count();
          if (i % 2 === 1) throw new Error("the mutation failed after writing its event");
        }),
      ),
    );
    expect(results.filter((result) => result.status === "rejected")).toHaveLength(10);
    const committed = events.filter((_, i) => i % 2 === 0).map((event) => event.eventId);
    const rolledBack = events.filter((_, i) => i % 2 === 1).map((event) => event.eventId);
    expect(await stored(committed)).toBe(10);
    expect(await stored(rolledBack)).toBe(0);
  });

  it("fail after the transaction committed, and write nothing", async () => {
    let kept: Parameters<Parameters<AccountsPrisma["$transaction"]>[0]>[0] | undefined;
    await prisma.$transaction(async (tx) => {
      kept = tx;
      await tx.user.count();
    });
    const late = registered();
    if (!kept) throw new Error("the transaction did not run");
    await expect(writeOutbox(kept, [late])).rejects.toThrow(/already closed/);
    expect(await stored([late.eventId])).toBe(0);
  });

  it("fail after the transaction timed out and was rolled back, and write nothing", async () => {
    const late = registered();
    await expect(
      prisma.$transaction(
        async (tx) => {
          await tx.user.count();
          await sleep(500); // beyond the timeout: Prisma rolls the transaction back meanwhile
          await writeOutbox(tx, [late]);
        },
        { timeout: 100 },
      ),
    ).rejects.toThrow();
    // Nothing can have been written in autocommit on the released connection.
    await sleep(200);
    expect(await stored([late.eventId])).toBe(0);
  });

  it("outside a transaction commit on their own", async () => {
    const event = registered();
    await writeOutbox(prisma, [event]);
    expect(await stored([event.eventId])).toBe(1);
  });
});
