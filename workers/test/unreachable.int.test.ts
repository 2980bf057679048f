import { randomUUID } from "node:crypto";
import { createTestDatabase, freePort, type TestDatabase } from "@fedplat/devkit";
import { createNotificationsPrisma, type NotificationsPrisma } from "@fedplat/notifications";
import { PaymentDeclinedError } from "@fedplat/payments";
import { UnrecoverableError } from "bullmq";
import pg from "pg";
import { isUnreachable } from "../src";

jest.setTimeout(30_000);

let database: TestDatabase;
let prisma: NotificationsPrisma;
let closedPort: number;

beforeAll(async () => {
  database = await createTestDatabase();
  prisma = createNotificationsPrisma(database.url, { queryEvents: false });
  closedPort = await freePort(); // nothing listens there
});
afterAll(async () => {
  await prisma?.$disconnect();
  await database?.drop();
});

const caught = async (work: () => Promise<unknown>): Promise<unknown> => {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error("expected the work to fail");
};

/** An error shaped as node-postgres reports a server's error response with SQLSTATE `code`. */
const serverError = (code: string, message: string) =>
  Object.assign(new pg.DatabaseError(message, 0, "error"), { code, severity: "FATAL" });

describe("isUnreachable: errors that say the database could not be reached", () => {
  it("recognises Prisma's P1001 when nothing listens on the database's port, outside and inside a transaction", async () => {
    const down = createNotificationsPrisma(`postgresql://postgres:postgres@127.0.0.1:${closedPort}/nowhere`, {
      queryEvents: false,
    });
    try {
      const query = await caught(() => down.notification.count());
      expect(query).toMatchObject({ code: "P1001" });
      expect(isUnreachable(query)).toBe(true);
      const transaction = await caught(() => down.$transaction((tx) => tx.notification.count()));
      expect(transaction).toMatchObject({ code: "P1001" });
      expect(isUnreachable(transaction)).toBe(true);
    } finally {
      await down.$disconnect();
    }
  });

  it("recognises node-postgres's ECONNREFUSED", async () => {
    const client = new pg.Client({
      connectionString: `postgresql://postgres:postgres@127.0.0.1:${closedPort}/nowhere`,
    });
    const error = await caught(() => client.connect());
    expect(error).toMatchObject({ code: "ECONNREFUSED" });
    expect(isUnreachable(error)).toBe(true);
  });

  it("recognises a connection the server terminated (57P01, as in a fast shutdown) and the query after it", async () => {
    const victim = new pg.Client({ connectionString: database.url });
    victim.on("error", () => undefined);
    await victim.connect();
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const pid = (await victim.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
      const running = caught(() => victim.query("SELECT pg_sleep(10)"));
      await admin.query("SELECT pg_terminate_backend($1)", [pid]);
      const terminated = await running;
      expect(terminated).toMatchObject({ code: "57P01" });
      expect(isUnreachable(terminated)).toBe(true);
      const after = await caught(() => victim.query("SELECT 1"));
      expect(isUnreachable(after)).toBe(true);
    } finally {
      await admin.end();
      await victim.end().catch(() => undefined);
    }
  });

  it("recognises the other SQLSTATEs of a server going away or starting, and errors that wrap them", () => {
    for (const code of ["57P02", "57P03", "08006", "08001", "08P01", "53300"])
      expect([code, isUnreachable(serverError(code, "server says no"))]).toEqual([code, true]);
    expect(isUnreachable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isUnreachable(new Error("timeout exceeded when trying to connect"))).toBe(true);
    expect(
      isUnreachable(new Error("handler failed", { cause: serverError("57P03", "the database system is starting up") })),
    ).toBe(true);
    expect(
      isUnreachable(
        new AggregateError([new Error("x"), Object.assign(new Error("connect ECONNRESET"), { code: "ECONNRESET" })]),
      ),
    ).toBe(true);
  });

  it("leaves business errors to the retries and dead letters: a unique violation, a declined payment, an invalid event, a plain bug", async () => {
    const id = randomUUID();
    await prisma.notification.create({
      data: { id, userId: randomUUID(), channel: "EMAIL", template: "welcome", payload: {} },
    });
    const duplicate = await caught(() =>
      prisma.notification.create({
        data: { id, userId: randomUUID(), channel: "EMAIL", template: "welcome", payload: {} },
      }),
    );
    expect(duplicate).toMatchObject({ code: "P2002" });
    expect(isUnreachable(duplicate)).toBe(false);
    expect(isUnreachable(new PaymentDeclinedError("provider_timeout"))).toBe(false);
    expect(isUnreachable(new PaymentDeclinedError("card_declined"))).toBe(false);
    expect(isUnreachable(new UnrecoverableError("invalid event"))).toBe(false);
    expect(isUnreachable(new TypeError("Cannot read properties of undefined"))).toBe(false);
    expect(isUnreachable(serverError("40001", "could not serialize access"))).toBe(false);
    expect(isUnreachable(serverError("23505", "duplicate key"))).toBe(false);
    expect(isUnreachable("ECONNREFUSED")).toBe(false); // a string is no error with a code
    expect(isUnreachable(undefined)).toBe(false);
  });
});
