-- An outbox row is settled once every consumer it is routed to has applied it (or at insert
-- when none is); until then the reconciler in workers/ re-publishes it if Redis lost its jobs.

-- AlterTable
ALTER TABLE "outbox" ADD COLUMN     "settled_at" TIMESTAMP(3);

-- Rows published more than an hour ago were delivered or dead-lettered long since (jobs finish
-- within seconds): settled, so the first reconciliation does not recheck the whole history.
-- Newer ones are rechecked once.
UPDATE "outbox" SET "settled_at" = "published_at" WHERE "published_at" < now() - interval '1 hour';

-- The reconciler reads only published, unsettled rows, oldest publication first: settled rows
-- (nearly all of them) are not in this index, and neither are rows the relay has not claimed yet,
-- so an insert into the outbox does not touch it. Not in schema.prisma: Prisma 6 has no partial
-- indexes, and its diff ignores this one (checked: the drift check passes).
CREATE INDEX "outbox_unsettled_idx" ON "outbox"("published_at") WHERE "settled_at" IS NULL AND "published_at" IS NOT NULL;
