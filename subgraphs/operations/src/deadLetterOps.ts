import { CONSUMER_SERVICES } from "@fedplat/registry";
import type { DeadLetter } from "@fedplat/events";

/**
 * What the operations subgraph needs of the dead letters: the workers implement it on their
 * BullMQ queue (workers/src/deadLetters.ts); the GraphQL API, the CLI and tests use the same calls.
 */
export interface DeadLetterEntry extends DeadLetter {
  /** Id of the dead letter itself (queue.jobId; BullMQ ids cannot contain ":"). */
  id: string;
}

/** What a bulk replay did. */
export interface BulkReplay {
  /** Sent back to their queues. */
  replayed: number;
  /** Left in the dead letters: they came from the outbox, or their event still fails validation. */
  refused: number;
}

/** Operations on the dead letters (GraphQL, CLI and tests use the same ones). */
export interface DeadLetterOps {
  /** Oldest first; only those of `queue` (e.g. events-payments) when it is given. Personal fields of the event are redacted. */
  list(limit?: number, queue?: string): Promise<DeadLetterEntry[]>;
  /** Personal fields of the event are redacted (the stored letter, which replay sends, is not). */
  show(id: string): Promise<DeadLetterEntry | null>;
  /** Sends the original event back to its queue under a new job id; the consumer's idempotency still holds. */
  replay(id: string): Promise<boolean>;
  discard(id: string): Promise<boolean>;
  /** Replays every dead letter there is when called (of `queue` when given): after the cause of an outage is fixed. */
  replayAll(queue?: string): Promise<BulkReplay>;
  /** Discards every dead letter there is when called (of `queue` when given); returns how many. */
  discardAll(queue?: string): Promise<number>;
  count(): Promise<number>;
}

/** The `queue` of a dead letter the relay wrote: an outbox row it could not publish (not a valid event). */
export const OUTBOX_LETTERS = "outbox";

/** Where dead letters come from: each consumer's queue (services.json), and the outbox. */
export const DEAD_LETTER_SOURCES: readonly string[] = [
  ...CONSUMER_SERVICES.map((service) => service.queue ?? service.name),
  OUTBOX_LETTERS,
];

/** Why `queue` cannot filter dead letters (a misspelt one would match nothing, silently); undefined when it can. */
export function unknownQueueProblem(queue: string): string | undefined {
  return DEAD_LETTER_SOURCES.includes(queue)
    ? undefined
    : `unknown queue "${queue.slice(0, 100)}"; dead letters come from ${DEAD_LETTER_SOURCES.join(", ")}`;
}
