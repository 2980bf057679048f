/**
 * The SQL of the event tables (prisma/eventTables.prisma: outbox, processed_events), built here
 * and nowhere else: the producers' outbox writes and claims (store.ts) and the workers' relay,
 * reconciler and retention take their statements from this module, so a column, index or
 * quoting rule changes in one place. Schema names are constants of the code, never input;
 * they are checked all the same.
 */

/** `schema`, quoted; throws for anything but a plain identifier. */
export function quotedSchema(schema: string): string {
  if (!/^\w+$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  return `"${schema}"`;
}

/** The tables this module writes statements for; idempotency_keys is orders' own, pruned alike. */
export type PrunedTable = "outbox" | "processed_events" | "idempotency_keys";

const table = (schema: string, name: PrunedTable) => `${quotedSchema(schema)}."${name}"`;

/** INSERT of outbox rows from `source`, which yields jsonb `row`s of outboxRowsJson; RETURNING whether each is routed. */
export const insertOutboxRows = (schema: string, source: string) =>
  `INSERT INTO ${table(schema, "outbox")} (id, type, envelope, published_at, settled_at)
   SELECT (row->'envelope'->>'eventId')::uuid, row->'envelope'->>'type', row->'envelope', unrouted.at, unrouted.at
   FROM ${source}, LATERAL (SELECT CASE WHEN (row->>'routed')::boolean THEN NULL ELSE now() END AS at) AS unrouted
   RETURNING published_at IS NULL AS routed`;

/** Claims events in processed_events: `select` yields (event_id, type); a redelivery inserts nothing. */
export const insertProcessedEvents = (schema: string, select: string, returning: string) =>
  `INSERT INTO ${table(schema, "processed_events")} (event_id, type)
   ${select}
   ON CONFLICT DO NOTHING
   RETURNING ${returning}`;

/** Which of the event ids in $1 `schema` has applied (its processed_events holds them). */
export const appliedEventsSql = (schema: string) =>
  `SELECT event_id::text AS id
   FROM ${table(schema, "processed_events")}
   WHERE event_id = ANY($1::uuid[])`;

/**
 * Marks the oldest `batchSize` unpublished rows of `schema`'s outbox published and returns them
 * in commit order (RETURNING alone has no order). Rows other relays hold are skipped (SKIP
 * LOCKED). The batch is ordered by the index's own columns: with `ORDER BY created_at` alone
 * the planner cannot see that `published_at IS NULL` makes the first column constant, so it read
 * and sorted the whole backlog for every batch (5 ms per batch at a backlog of 20,000 rows,
 * growing with it: the catch-up after an outage slowed down the larger the backlog); in index
 * order it reads just the batch (0.2 ms at any backlog).
 */
export function outboxClaimSql(schema: string, batchSize: number): string {
  const outbox = table(schema, "outbox");
  return `WITH claimed AS (
     UPDATE ${outbox} AS o SET published_at = now()
     FROM (
       SELECT id, created_at FROM ${outbox}
       WHERE published_at IS NULL
       ORDER BY published_at, created_at
       LIMIT ${batchSize}
       FOR UPDATE SKIP LOCKED
     ) AS batch
     WHERE o.id = batch.id
     RETURNING o.id, o.envelope, batch.created_at
   )
   SELECT id::text AS id, envelope FROM claimed ORDER BY created_at`;
}

/**
 * The unsettled rows of `schema`'s outbox last published more than `recheckMs` ago, oldest
 * first, locked for this round (rows another worker process holds are skipped). It reads the
 * partial index outbox_unsettled_idx, which holds only published, unsettled rows: the settled history,
 * nearly the whole table, is never read.
 */
export function unsettledClaimSql(schema: string, recheckMs: number, batchSize: number): string {
  if (!Number.isInteger(recheckMs) || !Number.isInteger(batchSize))
    throw new Error("recheckMs and batchSize must be integers");
  return `SELECT id::text AS id, type, (envelope->>'version')::int AS version
   FROM ${table(schema, "outbox")}
   WHERE settled_at IS NULL AND published_at < now() - interval '${recheckMs} milliseconds'
   ORDER BY published_at
   LIMIT ${batchSize}
   FOR UPDATE SKIP LOCKED`;
}

/**
 * The rows of $n among the ones the reconciler holds: published and not settled (it claimed them
 * with unsettledClaimSql in the same transaction, so nothing else changed them meanwhile). Said
 * so, the statement reads the partial index outbox_unsettled_idx, the few rows in flight; with
 * `id = ANY($n)` alone the planner chose to scan the whole outbox for a batch of 1,000 ids once
 * the settled history was large (workers/test/reconciler.int.test.ts checks the rows read).
 */
const heldRows = (param: string) => `settled_at IS NULL AND published_at IS NOT NULL AND id = ANY(${param}::uuid[])`;

/** Settles the rows in $1 and marks the others of $2 published now (rechecked `recheckMs` later). */
export const concludeOutboxSql = (schema: string) =>
  `UPDATE ${table(schema, "outbox")}
   SET settled_at = CASE WHEN id = ANY($1::uuid[]) THEN now() END,
       published_at = CASE WHEN id = ANY($1::uuid[]) THEN published_at ELSE now() END
   WHERE ${heldRows("$2")}`;

/** Settles the rows in $1: the usual case, where every row looked at was applied everywhere. */
export const settleOutboxSql = (schema: string) =>
  `UPDATE ${table(schema, "outbox")}
   SET settled_at = now()
   WHERE ${heldRows("$1")}`;

/** The envelopes of the outbox rows in $1, among the ones the reconciler holds. */
export const outboxEnvelopesSql = (schema: string) =>
  `SELECT id::text AS id, envelope
   FROM ${table(schema, "outbox")}
   WHERE ${heldRows("$1")}`;

/**
 * The statement that deletes up to `$2` rows of `name` whose `column` is older than `$1`
 * milliseconds. Each table indexes that column (the outbox's (published_at, created_at),
 * processed_events' processed_at, idempotency_keys' created_at), so a prune reads only expired
 * rows: without the index, each run read all of processed_events, however few records had expired.
 */
export function pruneSql(schema: string, name: PrunedTable): string {
  const [key, column] =
    name === "outbox"
      ? ["id", "published_at"]
      : name === "processed_events"
        ? ["event_id", "processed_at"]
        : ["id", "created_at"];
  const qualified = table(schema, name);
  // Only settled rows: until every consumer has applied an event, its row is the one copy that
  // survives Redis losing the job (see workers/src/reconciler.ts). A row not settled yet is marked
  // published again at each recheck, so it never looks old here; the filter only skips the few that wait.
  const settled = name === "outbox" ? " AND settled_at IS NOT NULL" : "";
  return `DELETE FROM ${qualified}
   WHERE ${key} IN (
     SELECT ${key} FROM ${qualified}
     WHERE ${column} < now() - $1::bigint * interval '1 millisecond'${settled}
     LIMIT $2
   )`;
}
