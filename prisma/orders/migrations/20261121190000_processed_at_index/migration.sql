-- Pruning finds old records through this index instead of reading the whole table. IF NOT
-- EXISTS: on a large table, create it first without blocking writes
-- (CREATE INDEX CONCURRENTLY "processed_events_processed_at_idx" ON "processed_events"("processed_at"))
-- and this migration leaves it as it is.

-- CreateIndex
CREATE INDEX IF NOT EXISTS "processed_events_processed_at_idx" ON "processed_events"("processed_at");
