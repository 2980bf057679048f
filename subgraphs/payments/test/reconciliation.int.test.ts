import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  createTestDatabase,
  repoRoot,
  startTestSubgraph,
  type TestDatabase,
  type TestSubgraph,
  type TestViewer,
} from "@fedplat/devkit";
import {
  buildPaymentsServer,
  createPaymentsPrisma,
  type PaymentsPrisma,
  type SimulatedProvider,
  simulatedProvider,
} from "../src";

jest.setTimeout(60_000);

let subgraph: TestSubgraph<PaymentsPrisma>;
let provider: SimulatedProvider;
let admin: TestViewer;

beforeAll(async () => {
  subgraph = await startTestSubgraph({ createPrisma: createPaymentsPrisma, build: buildPaymentsServer });
  provider = simulatedProvider(subgraph.database.url, { failureRate: 0, latencyMs: 0 });
  admin = await subgraph.viewer("admin");
});
afterAll(async () => {
  await provider?.close();
  await subgraph?.stop();
});

const RECONCILE = /* GraphQL */ `
  query($first: Int, $grace: Int) {
    paymentReconciliation(first: $first, graceSeconds: $grace) {
      checkedPayments skippedPending checkedKeys mismatchCount
      mismatches { paymentId orderId idempotencyKey state expectedCents actualCents reason }
    }
  }
`;
type Mismatch = {
  paymentId: string | null;
  orderId: string | null;
  idempotencyKey: string;
  state: string | null;
  expectedCents: number;
  actualCents: number;
  reason: string;
};
type Reconciliation = {
  paymentReconciliation: {
    checkedPayments: number;
    skippedPending: number;
    checkedKeys: number;
    mismatchCount: number;
    mismatches: Mismatch[];
  };
};

/** `npm run reconcile -- ...args` on `database`: its exit code and output. */
function reconcileCli(
  database: TestDatabase,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, PAYMENTS_DATABASE_URL: database.url };
  delete env.PAYMENT_PROVIDER_DATABASE_URL;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "subgraphs/payments/src/cli/reconcile.ts", ...args],
      { cwd: repoRoot, env },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe("paymentReconciliation", () => {
  it("finds the seeded payments and the provider's ledger in agreement", async () => {
    const res = await subgraph.request<Reconciliation>(RECONCILE, {}, admin.headers);
    expect(res.errors).toBeUndefined();
    const payments = await subgraph.prisma.payment.count();
    expect(res.data?.paymentReconciliation).toMatchObject({
      checkedPayments: payments,
      skippedPending: 0,
      mismatchCount: 0,
      mismatches: [],
    });
    expect(res.data?.paymentReconciliation.checkedKeys).toBe(
      await subgraph.prisma.payment.count({ where: { state: "SUCCEEDED" } }),
    );
  });

  it("lists each kind of planted mismatch, and `first` limits the list, not the count", async () => {
    const succeeded = await subgraph.prisma.payment.findFirstOrThrow({
      where: { state: "SUCCEEDED" },
      orderBy: { id: "asc" },
    });
    await provider.refund({ idempotencyKey: succeeded.id }); // refunded behind the payment's back
    const failed = await subgraph.prisma.payment.findFirstOrThrow({
      where: { state: "FAILED" },
      orderBy: { id: "asc" },
    });
    await provider.charge({ idempotencyKey: failed.id, orderId: failed.orderId, amountCents: 700 }); // money kept for a failed payment
    const stranger = { idempotencyKey: randomUUID(), orderId: randomUUID(), amountCents: 999 };
    await provider.charge(stranger); // a charge no payment knows
    const pending = await subgraph.prisma.payment.create({
      data: { orderId: randomUUID(), customerId: admin.id, amountCents: 300, provider: "simulated" },
    });
    await provider.charge({ idempotencyKey: pending.id, orderId: pending.orderId, amountCents: 300 }); // a saga still charging it

    const res = await subgraph.request<Reconciliation>(RECONCILE, {}, admin.headers);
    const report = res.data?.paymentReconciliation;
    expect(report?.skippedPending).toBe(1); // the young PENDING payment is within the grace period
    expect(report?.mismatches).toEqual(
      expect.arrayContaining([
        {
          paymentId: succeeded.id,
          orderId: succeeded.orderId,
          idempotencyKey: succeeded.id,
          state: "SUCCEEDED",
          expectedCents: succeeded.amountCents,
          actualCents: 0,
          reason: "NOT_CHARGED",
        },
        {
          paymentId: failed.id,
          orderId: failed.orderId,
          idempotencyKey: failed.id,
          state: "FAILED",
          expectedCents: 0,
          actualCents: 700,
          reason: "MONEY_HELD",
        },
        {
          paymentId: null,
          orderId: stranger.orderId,
          idempotencyKey: stranger.idempotencyKey,
          state: null,
          expectedCents: 0,
          actualCents: 999,
          reason: "UNKNOWN_KEY",
        },
      ]),
    );
    expect(report?.mismatchCount).toBe(3);

    const noGrace = await subgraph.request<Reconciliation>(RECONCILE, { grace: 0, first: 1 }, admin.headers);
    expect(noGrace.data?.paymentReconciliation.mismatchCount).toBe(4);
    expect(noGrace.data?.paymentReconciliation.mismatches).toHaveLength(1);
    const all = await subgraph.request<Reconciliation>(RECONCILE, { grace: 0 }, admin.headers);
    expect(all.data?.paymentReconciliation.mismatches).toContainEqual({
      paymentId: pending.id,
      orderId: pending.orderId,
      idempotencyKey: pending.id,
      state: "PENDING",
      expectedCents: 0,
      actualCents: 300,
      reason: "PENDING_CHARGED",
    });

    // The CLI sees the same and exits 1.
    const cli = await reconcileCli(subgraph.database);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/: 3 mismatch\(es\)/);
    expect(cli.stdout).toContain(`UNKNOWN_KEY  key=${stranger.idempotencyKey}`);
  });

  it("is for admins only", async () => {
    for (const account of ["customer", "staff"] as const) {
      const res = await subgraph.request(RECONCILE, {}, (await subgraph.viewer(account)).headers);
      expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(res.data).toBeNull();
    }
    expect((await subgraph.request(RECONCILE, {})).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("rejects a bad `first` or `graceSeconds` with BAD_USER_INPUT", async () => {
    for (const variables of [{ first: 0 }, { first: 1001 }, { grace: -1 }]) {
      const res = await subgraph.request(RECONCILE, variables, admin.headers);
      expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
  });
});

describe("npm run reconcile", () => {
  it("exits 0 when payments and the ledger agree, 2 on bad usage", async () => {
    const database = await createTestDatabase();
    try {
      const clean = await reconcileCli(database, "--grace-seconds", "60");
      expect(clean).toMatchObject({ code: 0 });
      expect(clean.stdout).toMatch(/: 0 mismatch\(es\)/);
      for (const args of [["--first", "abc"], ["--first"], ["--everything", "1"]]) {
        const bad = await reconcileCli(database, ...args);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toContain("usage: npm run reconcile");
      }
    } finally {
      await database.drop();
    }
  });
});
