import { AsyncLocalStorage } from "node:async_hooks";
import { loadDotEnv, serviceDatabaseUrl } from "@fedplat/runtime";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

// Canary for the @prisma/adapter-pg behaviour that prismaPool.ts relies on (its header lists
// it): an interactive transaction takes its connection with pool.connect() in the caller's
// async context, sends BEGIN as a query text on it, and gives it back with release() on commit
// or rollback. The day an upgrade changes one of these, a test here fails by name, before
// sqlOf(tx) silently falls back to Prisma or writes past a transaction.

loadDotEnv();

interface Checkout {
  /** The AsyncLocalStorage store of whoever called pool.connect(). */
  context: string | undefined;
  withCallback: boolean;
  texts: string[];
  released: number;
}

/** A real pool, watched: each connect() call and the query texts and releases of its connections. */
function watchedPool(context: AsyncLocalStorage<string>) {
  const pool = new pg.Pool({ connectionString: serviceDatabaseUrl("eventstore"), max: 2 });
  const checkouts: Checkout[] = [];
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient>;
  pool.connect = ((callback?: unknown) => {
    const checkout: Checkout = {
      context: context.getStore(),
      withCallback: callback !== undefined,
      texts: [],
      released: 0,
    };
    checkouts.push(checkout);
    if (callback !== undefined) return connect(callback);
    return connect().then((client) => {
      const query = client.query;
      client.query = function (this: pg.PoolClient, ...args: unknown[]) {
        const [config] = args;
        checkout.texts.push(typeof config === "string" ? config : ((config as { text?: string }).text ?? ""));
        return (query as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof client.query;
      const release = client.release;
      client.release = (error?: Error | boolean) => {
        checkout.released++;
        client.query = query;
        client.release = release;
        return release(error);
      };
      return client;
    });
  }) as typeof pool.connect;
  return { pool, checkouts };
}

describe("@prisma/adapter-pg, as prismaPool.ts relies on it", () => {
  const context = new AsyncLocalStorage<string>();
  let watched: ReturnType<typeof watchedPool>;

  beforeEach(() => {
    watched = watchedPool(context);
  });
  afterEach(async () => {
    if (!watched.pool.ended) await watched.pool.end();
  });

  const startTransaction = async () => {
    const adapter = await new PrismaPg(watched.pool, { schema: "public" }).connect();
    return context.run("caller", () => adapter.startTransaction());
  };

  it("takes a transaction's connection with pool.connect() without a callback, in the caller's async context", async () => {
    const transaction = await startTransaction();
    expect(watched.checkouts).toEqual([expect.objectContaining({ context: "caller", withCallback: false })]);
    await transaction.rollback();
  });

  it("sends BEGIN as the text of the first query on that connection", async () => {
    const transaction = await startTransaction();
    expect(watched.checkouts[0]?.texts).toEqual(["BEGIN"]);
    await transaction.executeRaw({ sql: "SELECT 1", args: [], argTypes: [] });
    expect(watched.checkouts[0]?.texts).toEqual(["BEGIN", "SELECT 1"]);
    await transaction.rollback();
  });

  it("gives the connection back with release() on commit, once", async () => {
    const transaction = await startTransaction();
    expect(watched.checkouts[0]?.released).toBe(0);
    await transaction.commit();
    expect(watched.checkouts[0]?.released).toBe(1);
    expect(watched.pool.idleCount).toBe(1);
  });

  it("gives the connection back with release() on rollback, once", async () => {
    const transaction = await startTransaction();
    await transaction.rollback();
    expect(watched.checkouts[0]?.released).toBe(1);
    expect(watched.pool.idleCount).toBe(1);
  });

  it("ends an external pool on dispose when told to (disposeExternalPool)", async () => {
    const adapter = await new PrismaPg(watched.pool, { schema: "public", disposeExternalPool: true }).connect();
    await adapter.dispose();
    expect(watched.pool.ended).toBe(true);
  });
});
