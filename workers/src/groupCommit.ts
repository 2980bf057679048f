import type { BatchableHandler, HandlerContext, Outcome } from "@fedplat/event-store";
import type { Envelope } from "@fedplat/events";
import { isUnreachable } from "./unreachable";

export interface GroupCommitOptions {
  /** Most events in one transaction. */
  maxBatch: number;
  /** Batch transactions running at once for one event type. */
  maxInFlight: number;
}

interface Waiting {
  event: Envelope;
  context: HandlerContext;
  resolve(outcome: Outcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit for one event type's handler. The first events go out at once, alone (no added
 * latency when the queue is quiet); events that arrive while `maxInFlight` transactions are
 * running wait and go together in the next one, so under load one transaction carries many
 * events and the per-transaction cost (BEGIN, claim, outbox insert, COMMIT and its fsync) is
 * paid once per batch. BullMQ's open-source worker hands out jobs one at a time (batches are a
 * BullMQ Pro feature), hence this small scheduler.
 *
 * If a batch fails, each of its events is applied on its own with the per-event handler, so
 * one bad event fails only its own job (and is retried or dead-lettered alone); unless the
 * database was unreachable: then every event of the batch fails with that error at once (each
 * job pauses its consumer, see consumer.ts) instead of trying a dead database once per event.
 */
export function createGroupCommitter(
  handler: BatchableHandler,
  options: GroupCommitOptions,
): (event: Envelope, context: HandlerContext) => Promise<Outcome> {
  const waiting: Waiting[] = [];
  let inFlight = 0;

  async function applyAlone(entry: Waiting): Promise<void> {
    try {
      entry.resolve(await handler(entry.event, entry.context));
    } catch (error) {
      entry.reject(error);
    }
  }

  async function apply(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) return applyAlone(batch[0] as Waiting);
    let outcomes: Map<string, Outcome>;
    try {
      outcomes = await handler.applyMany(batch.map((entry) => entry.event));
    } catch (error) {
      if (isUnreachable(error)) {
        for (const entry of batch) entry.reject(error);
        return;
      }
      await Promise.all(batch.map(applyAlone));
      return;
    }
    for (const entry of batch) entry.resolve(outcomes.get(entry.event.eventId) ?? "duplicate");
  }

  function pump(): void {
    while (inFlight < options.maxInFlight && waiting.length > 0) {
      inFlight++;
      void apply(waiting.splice(0, options.maxBatch)).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  return (event, context) =>
    new Promise<Outcome>((resolve, reject) => {
      waiting.push({ event, context, resolve, reject });
      pump();
    });
}
