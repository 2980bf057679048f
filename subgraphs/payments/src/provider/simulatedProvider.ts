import { randomUUID } from "node:crypto";
import pg from "pg";
import {
  PaymentDeclinedError,
  type PaymentProvider,
  PaymentTimeoutError,
  PaymentVoidedError,
  type RefundResult,
} from "../events/provider";

/** One idempotency key as the provider's ledger sees it. */
export interface LedgerAccount {
  idempotencyKey: string;
  /** The order of the charge (null for a key voided before any charge). */
  orderId: string | null;
  status: "charged" | "refunded" | "voided";
  /** Sum of the key's ledger entries: +charge, -refund. */
  netCents: number;
}

/** One movement of money, kept for audit. */
export interface LedgerEntry {
  idempotencyKey: string;
  kind: "charge" | "refund";
  /** Positive for a charge, negative for a refund. */
  amountCents: number;
  reference: string;
  createdAt: Date;
}

/** The provider's ledger, read for reconciliation. */
export interface PaymentLedger {
  /** The accounts of these keys (a key the provider never saw is absent). */
  accounts(keys: readonly string[]): Promise<Map<string, LedgerAccount>>;
  /** Every account in key order, a page at a time: the first `limit` keys after `after`. */
  accountsAfter(after: string | null, limit: number): Promise<LedgerAccount[]>;
  /** The ledger entries of one key, oldest first. */
  entries(key: string): Promise<LedgerEntry[]>;
  close(): Promise<void>;
}

export interface SimulatedProviderOptions {
  /**
   * Probability (0..1) that a charge fails: half declined (nothing charged), half a timeout after
   * the charge was recorded; a repeat of a charged key fails as a timeout. @default 0.1
   */
  failureRate: number;
  /** Mean latency of a charge or refund. @default 50 */
  latencyMs: number;
  /** Source of randomness, for tests. @default Math.random */
  random?: () => number;
}

export type SimulatedProvider = PaymentProvider & PaymentLedger;

/**
 * The provider's own tables. Not a Prisma service: this simulates an EXTERNAL system (its own
 * schema, its own pool, possibly its own database via PAYMENT_PROVIDER_DATABASE_URL), which no
 * migration of ours owns, so it provisions itself idempotently when it first connects. The
 * advisory lock serializes concurrent first starts (CREATE ... IF NOT EXISTS alone can still
 * collide on the catalog's unique indexes).
 */
const PROVISION = `
SELECT pg_advisory_xact_lock(hashtextextended('fedplat.provider.provision', 0));
CREATE SCHEMA IF NOT EXISTS provider;
CREATE TABLE IF NOT EXISTS provider.payment_keys (
  idempotency_key text PRIMARY KEY,
  order_id text,
  amount_cents integer NOT NULL,
  status text NOT NULL CHECK (status IN ('charged', 'refunded', 'voided')),
  reference text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS provider.ledger_entries (
  id bigserial PRIMARY KEY,
  idempotency_key text NOT NULL REFERENCES provider.payment_keys (idempotency_key),
  kind text NOT NULL CHECK (kind IN ('charge', 'refund')),
  amount_cents integer NOT NULL,
  reference text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ledger_entries_key ON provider.ledger_entries (idempotency_key);
`;

type KeyRow = { status: LedgerAccount["status"]; reference: string | null; amount_cents: number };

/**
 * The deliberately unreliable provider of the brief, with a durable ledger in PostgreSQL (schema
 * "provider"): idempotency keys and every charge and refund survive a restart of any process.
 * Failures and latency come from the environment (PAYMENT_FAILURE_RATE, PAYMENT_LATENCY_MS);
 * `options` is read on every call, so tests may change it while workers run.
 */
export function simulatedProvider(databaseUrl: string, options: SimulatedProviderOptions): SimulatedProvider {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 5 });
  pool.on("error", () => undefined); // an idle connection the server closed: the next query opens another
  pool.on("connect", (client) => client.on("error", () => undefined)); // likewise one checked out: its next query fails
  let provisioned: Promise<void> | undefined;
  const ready = () => {
    provisioned ??= transaction(async (client) => {
      await client.query(PROVISION);
    }).catch((error: unknown) => {
      provisioned = undefined; // try again on the next call
      throw error;
    });
    return provisioned;
  };
  const random = () => (options.random ?? Math.random)();
  // Half of a call's latency is the request's way in, half the answer's way back: the ledger
  // changes in between, so a caller learns of a charge a while after the money moved (and a
  // refund can overtake that answer, as with a real provider).
  const halfway = () => new Promise((resolve) => setTimeout(resolve, (options.latencyMs / 2) * (0.5 + random())));

  async function transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Locks `key` for the rest of the transaction (also when it has no row yet) and reads it. */
  async function lockKey(client: pg.PoolClient, key: string): Promise<KeyRow | undefined> {
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`provider:${key}`]);
    const { rows } = await client.query<KeyRow>(
      "SELECT status, reference, amount_cents FROM provider.payment_keys WHERE idempotency_key = $1",
      [key],
    );
    return rows[0];
  }

  const accountsWhere = async (where: string, values: unknown[]): Promise<LedgerAccount[]> => {
    await ready();
    const { rows } = await pool.query<{
      idempotency_key: string;
      order_id: string | null;
      status: LedgerAccount["status"];
      net: string;
    }>(
      `SELECT k.idempotency_key, k.order_id, k.status, COALESCE((SELECT sum(e.amount_cents) FROM provider.ledger_entries e WHERE e.idempotency_key = k.idempotency_key), 0) AS net
       FROM provider.payment_keys k ${where}`,
      values,
    );
    return rows.map((row) => ({
      idempotencyKey: row.idempotency_key,
      orderId: row.order_id,
      status: row.status,
      netCents: Number(row.net),
    }));
  };

  return {
    name: "simulated",
    async charge({ idempotencyKey, orderId, amountCents }) {
      await ready();
      await halfway();
      const failure = random() < options.failureRate ? (random() < 0.5 ? "declined" : "timeout") : undefined;
      let repeat = false;
      const reference = await transaction(async (client) => {
        const existing = await lockKey(client, idempotencyKey);
        repeat = existing?.status === "charged";
        if (repeat) return existing?.reference as string; // a repeat: the first charge
        if (existing) throw new PaymentVoidedError(`payment ${idempotencyKey} was ${existing.status}: not charged`);
        if (failure === "declined") throw new PaymentDeclinedError("card_declined");
        const charged = `sim_${randomUUID()}`;
        await client.query(
          "INSERT INTO provider.payment_keys (idempotency_key, order_id, amount_cents, status, reference) VALUES ($1, $2, $3, 'charged', $4)",
          [idempotencyKey, orderId, amountCents, charged],
        );
        await client.query(
          "INSERT INTO provider.ledger_entries (idempotency_key, kind, amount_cents, reference) VALUES ($1, 'charge', $2, $3)",
          [idempotencyKey, amountCents, charged],
        );
        return charged;
      });
      await halfway();
      // The answer is lost after the money moved: the caller must retry with the key or refund it.
      // A repeat is never declined (it was charged), but its answer can be lost too.
      if (failure === "timeout" || (failure && repeat)) throw new PaymentTimeoutError("provider_timeout");
      return { reference };
    },
    async refund({ idempotencyKey }): Promise<RefundResult> {
      await ready();
      await halfway();
      const result = await transaction(async (client): Promise<RefundResult> => {
        const existing = await lockKey(client, idempotencyKey);
        if (!existing) {
          await client.query(
            "INSERT INTO provider.payment_keys (idempotency_key, amount_cents, status) VALUES ($1, 0, 'voided')",
            [idempotencyKey],
          );
          return { outcome: "voided", amountCents: 0, repeated: false };
        }
        if (existing.status === "voided") return { outcome: "voided", amountCents: 0, repeated: true };
        if (existing.status === "refunded")
          return { outcome: "refunded", amountCents: existing.amount_cents, repeated: true };
        await client.query(
          "UPDATE provider.payment_keys SET status = 'refunded', updated_at = now() WHERE idempotency_key = $1",
          [idempotencyKey],
        );
        await client.query(
          "INSERT INTO provider.ledger_entries (idempotency_key, kind, amount_cents, reference) VALUES ($1, 'refund', $2, $3)",
          [idempotencyKey, -existing.amount_cents, `sim_refund_${randomUUID()}`],
        );
        return { outcome: "refunded", amountCents: existing.amount_cents, repeated: false };
      });
      await halfway();
      return result;
    },
    async accounts(keys) {
      if (keys.length === 0) return new Map();
      const accounts = await accountsWhere("WHERE k.idempotency_key = ANY($1::text[])", [keys]);
      return new Map(accounts.map((account) => [account.idempotencyKey, account]));
    },
    accountsAfter: (after, limit) =>
      accountsWhere("WHERE $1::text IS NULL OR k.idempotency_key > $1 ORDER BY k.idempotency_key LIMIT $2", [
        after,
        limit,
      ]),
    async entries(key) {
      await ready();
      const { rows } = await pool.query<{
        kind: LedgerEntry["kind"];
        amount_cents: number;
        reference: string;
        created_at: Date;
      }>(
        "SELECT kind, amount_cents, reference, created_at FROM provider.ledger_entries WHERE idempotency_key = $1 ORDER BY id",
        [key],
      );
      return rows.map((row) => ({
        idempotencyKey: key,
        kind: row.kind,
        amountCents: row.amount_cents,
        reference: row.reference,
        createdAt: row.created_at,
      }));
    },
    close: () => pool.end(),
  };
}
