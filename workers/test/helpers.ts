import { randomUUID } from "node:crypto";
import { createLogger, createRedis, type Redis } from "@fedplat/runtime";
import type { TestDatabase } from "@fedplat/devkit";
import type { AccountsPrisma } from "@fedplat/accounts";
import type { CatalogPrisma } from "@fedplat/catalog";
import type { NotificationsPrisma } from "@fedplat/notifications";
import type { OrdersPrisma } from "@fedplat/orders";
import {
  type PaymentsPrisma,
  type SimulatedProvider,
  simulatedProvider,
  type SimulatedProviderOptions,
} from "@fedplat/payments";
import type pg from "pg";
import { createServiceClients, type ServiceClients, startWorkers, type Workers, type WorkersOptions } from "../src";

/**
 * Each step of `sql`'s plan as PostgreSQL ran it (EXPLAIN ANALYZE, in a transaction rolled back
 * afterwards), with the rows it handled: the rows it returned and those its filter read and
 * discarded, over all its loops. How tests see that a statement reads only what it needs.
 */
export async function rowsPerPlanStep(
  client: Pick<pg.Client, "query">,
  sql: string,
  values: unknown[] = [],
): Promise<Array<readonly [string, number]>> {
  type Step = {
    "Node Type": string;
    "Actual Rows": number;
    "Actual Loops": number;
    "Rows Removed by Filter"?: number;
    Plans?: Step[];
  };
  await client.query("BEGIN");
  try {
    const [
      {
        "QUERY PLAN": [plan],
      },
    ] = (await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, values)).rows;
    const steps = (step: Step): Step[] => [step, ...(step.Plans ?? []).flatMap(steps)];
    return steps(plan.Plan as Step).map(
      (step) =>
        [
          step["Node Type"],
          (step["Actual Rows"] + (step["Rows Removed by Filter"] ?? 0)) * step["Actual Loops"],
        ] as const,
    );
  } finally {
    await client.query("ROLLBACK");
  }
}

/** The shared polling helper (@fedplat/devkit), re-exported for the workers tests. */
export { waitFor } from "@fedplat/devkit";

/** The demo's clients, typed for tests (the workers themselves hold them by name alone). */
export interface DemoClients {
  accounts: AccountsPrisma;
  catalog: CatalogPrisma;
  orders: OrdersPrisma;
  payments: PaymentsPrisma;
  notifications: NotificationsPrisma;
}

/** createServiceClients' clients with the demo's types. */
export const demoClients = (clients: ServiceClients) => clients as unknown as DemoClients;

export interface TestWorkers {
  workers: Workers;
  clients: DemoClients;
  redis: Redis;
  prefix: string;
  /** Mutable: tests change the failure rate and latency while the workers run. */
  provider: SimulatedProviderOptions;
  /** The simulated provider itself, on the test database: its ledger is what tests check money against. */
  paymentProvider: SimulatedProvider;
  stop(): Promise<void>;
}

/** The relay and every consumer in-process, on a test database, under a fresh queue prefix; `redisEnv` may name sentinels (REDIS_SENTINELS). */
export async function startTestWorkers(
  database: TestDatabase,
  overrides: Partial<WorkersOptions> = {},
  redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  redisEnv: NodeJS.ProcessEnv = process.env,
): Promise<TestWorkers> {
  const redis = createRedis(redisUrl, "workers-test", {}, redisEnv);
  redis.on("error", () => undefined); // outage tests stop this Redis on purpose
  const clients = createServiceClients(() => database.url);
  const prefix = `test-${randomUUID()}`;
  const provider: SimulatedProviderOptions = { failureRate: 0, latencyMs: 5 };
  const paymentProvider = simulatedProvider(database.url, provider);
  const workers = startWorkers({
    redis,
    prefix,
    clients,
    dependencies: { payments: paymentProvider },
    policy: { attempts: 3, backoffMs: 20 },
    concurrency: 4,
    lockMs: 30_000,
    relay: { intervalMs: 20, batchSize: 200 },
    logger: createLogger("workers-test", "silent"),
    ...overrides,
  });
  return {
    workers,
    clients: demoClients(clients),
    redis,
    prefix,
    provider,
    paymentProvider,
    stop: async () => {
      await workers.close();
      const keys = await redis.keys(`${prefix}:*`).catch(() => []);
      if (keys.length) await redis.del(...keys).catch(() => undefined);
      await Promise.all(Object.values(clients).map((client) => client.$disconnect()));
      await paymentProvider.close();
      redis.disconnect();
    },
  };
}
