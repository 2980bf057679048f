import { type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { sqlPoolOf } from "@fedplat/event-store";
import { type OwnedPostgres, startOwnedPostgres } from "@fedplat/devkit";
import { isUnreachable } from "../src/unreachable";

/**
 * A PostgreSQL crash in the middle of interactive transactions must not cost the pool its
 * connections. Prisma 6.19 releases a transaction's connection only after its COMMIT or ROLLBACK
 * succeeds; when the server went away, the ROLLBACK fails and the connection stays checked out
 * forever. Prisma's maxWait does not bound the wait for a connection either (it only checks the
 * time once one arrives), so with every connection of the pool lost this way every later
 * transaction waited forever: the consumers' jobs stayed active for good (bench/results/chaos.md).
 */
jest.setTimeout(120_000);

const POOL_MAX = 3;
let postgres: OwnedPostgres;
let prisma: CatalogPrisma;

beforeAll(async () => {
  postgres = await startOwnedPostgres();
  process.env.DB_POOL_MAX = String(POOL_MAX);
  prisma = createCatalogPrisma(postgres.database.url);
});
afterAll(async () => {
  await prisma?.$disconnect();
  await postgres?.destroy();
});

const catalogPool = () => {
  const pool = sqlPoolOf(prisma);
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
};

it("gives back every connection of transactions the crash broke, and the next transactions run", async () => {
  // As many transactions as the pool has connections, each holding its connection mid-way.
  let crashed!: () => void;
  const crash = new Promise<void>((resolve) => (crashed = resolve));
  const open: Promise<unknown>[] = [];
  let begun = 0;
  for (let i = 0; i < POOL_MAX; i++) {
    open.push(
      prisma.$transaction(async (tx) => {
        await tx.product.count();
        begun++;
        await crash;
        return tx.product.count();
      }),
    );
  }
  const settled = Promise.allSettled(open);
  while (begun < POOL_MAX) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(catalogPool()).toMatchObject({ total: POOL_MAX, idle: 0 });

  await postgres.crash();
  crashed();
  const outcomes = await settled;
  expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(POOL_MAX).fill("rejected"));
  await postgres.start();

  // Every broken connection left the pool, and twice the pool's size of transactions commit.
  const started = Date.now();
  const counts = await Promise.all(
    Array.from({ length: POOL_MAX * 2 }, () => prisma.$transaction((tx) => tx.product.count())),
  );
  expect(counts.every((count) => count > 0)).toBe(true);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(catalogPool().waiting).toBe(0);
});

it("never waits forever for a connection: a pool that cannot give one fails the transaction", async () => {
  // Every connection held by transactions that do not end within the test's bound.
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const holders = Array.from({ length: POOL_MAX }, () =>
    prisma.$transaction(
      async (tx) => {
        await tx.product.count();
        await finished;
      },
      { maxWait: 1_000, timeout: 60_000 },
    ),
  );
  while (catalogPool().idle > 0 || catalogPool().total < POOL_MAX)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const started = Date.now();
  const error = await prisma
    .$transaction((tx) => tx.product.count(), { maxWait: 1_000, timeout: 5_000 })
    .then(
      () => undefined,
      (failure: unknown) => failure,
    );
  expect(Date.now() - started).toBeLessThan(20_000);
  expect(String(error)).toMatch(/timeout exceeded when trying to connect/);
  // An outage to the consumers: the job waits without spending an attempt (consumer.ts).
  expect(isUnreachable(error)).toBe(true);
  finish();
  await Promise.all(holders);
});
