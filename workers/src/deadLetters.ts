import { type Consumer, CONSUMERS, type DeadLetter, parseEnvelope, queueOf } from "@fedplat/events";
import type { Job, Queue } from "bullmq";
import { eventJobOptions, type RetryPolicy } from "./jobOptions";
import { redactPersonalData } from "./redact";
import { traceOptionsOf } from "./tracing";

export interface DeadLetterEntry extends DeadLetter {
  /** Id of the dead letter itself (queue.jobId; BullMQ ids cannot contain ":"). */
  id: string;
}

/** The `queue` of a dead letter the relay wrote: an outbox row it could not publish (not a valid event). */
export const OUTBOX_LETTERS = "outbox";

/** Where dead letters come from: each consumer's queue, and the outbox. */
export const DEAD_LETTER_SOURCES: readonly string[] = [...CONSUMERS.map(queueOf), OUTBOX_LETTERS];

/** Why `queue` cannot filter dead letters (a misspelt one would match nothing, silently); undefined when it can. */
export function unknownQueueProblem(queue: string): string | undefined {
  return DEAD_LETTER_SOURCES.includes(queue) ? undefined : `unknown queue "${queue.slice(0, 100)}"; dead letters come from ${DEAD_LETTER_SOURCES.join(", ")}`;
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

type DeadLetterJob = Job<DeadLetter>;

/** Letters fetched per round trip when going through many of them. */
const PAGE = 100;

export function deadLetterOps(deadLetters: Queue, queueByName: (name: string) => Queue | undefined, policy: RetryPolicy): DeadLetterOps {
  const entry = (job: DeadLetterJob): DeadLetterEntry => ({ ...job.data, event: redactPersonalData(job.data.event), id: String(job.id) });
  const find = async (id: string) => ((await deadLetters.getJob(id)) as DeadLetterJob | undefined) ?? null;

  /**
   * The waiting dead letters there are now, oldest first, a page at a time (of `queue` when
   * given), until `visit` says stop. Ids are taken first, so letters removed meanwhile (a replay
   * or discard, here or by another admin) are skipped and letters that arrive meanwhile wait for
   * the next call.
   */
  async function eachLetter(queue: string | undefined, visit: (jobs: DeadLetterJob[]) => Promise<boolean | undefined>): Promise<void> {
    const ids = await deadLetters.getRanges(["waiting"], 0, -1, true);
    for (let start = 0; start < ids.length; start += PAGE) {
      const jobs = (await Promise.all(ids.slice(start, start + PAGE).map(find))).filter((job): job is DeadLetterJob => job !== null && (queue === undefined || job.data.queue === queue));
      if ((await visit(jobs)) === false) return;
    }
  }

  async function replayJob(job: DeadLetterJob): Promise<void> {
    const letter = job.data;
    const queue = queueByName(letter.queue);
    if (!queue) throw new Error(`dead letter ${job.id} came from ${letter.queue}, which cannot be replayed (fix the event at its source)`);
    const event = parseEnvelope(letter.event); // still invalid: refuse rather than loop through the dead letters again
    // Under a new job id (the old one is spent), in the event's own trace: the replay shows up
    // next to the attempts that failed.
    await queue.add(event.type, event, { ...eventJobOptions(event.eventId, letter.consumer as Consumer, policy), ...traceOptionsOf(event), jobId: `${event.eventId}.replay.${Date.now()}` });
    await job.remove();
  }

  return {
    list: async (limit = 100, queue) => {
      const letters: DeadLetterEntry[] = [];
      if (limit <= 0) return letters;
      if (queue === undefined) {
        const jobs = await Promise.all((await deadLetters.getRanges(["waiting"], 0, limit - 1, true)).map(find));
        return jobs.filter((job): job is DeadLetterJob => job !== null).map(entry);
      }
      await eachLetter(queue, async (jobs) => {
        letters.push(...jobs.slice(0, limit - letters.length).map(entry));
        return letters.length < limit;
      });
      return letters;
    },
    show: async (id) => {
      const job = await find(id);
      return job ? entry(job) : null;
    },
    replay: async (id) => {
      const job = await find(id);
      if (!job) return false;
      await replayJob(job);
      return true;
    },
    discard: async (id) => {
      const job = await find(id);
      if (!job) return false;
      await job.remove();
      return true;
    },
    replayAll: async (queue) => {
      const result: BulkReplay = { replayed: 0, refused: 0 };
      await eachLetter(queue, async (jobs) => {
        for (const outcome of await Promise.allSettled(jobs.map(replayJob))) result[outcome.status === "fulfilled" ? "replayed" : "refused"]++;
        return undefined;
      });
      return result;
    },
    discardAll: async (queue) => {
      let discarded = 0;
      await eachLetter(queue, async (jobs) => {
        // One removed meanwhile (by another admin) is not counted.
        for (const outcome of await Promise.allSettled(jobs.map((job) => job.remove()))) if (outcome.status === "fulfilled") discarded++;
        return undefined;
      });
      return discarded;
    },
    count: () => deadLetters.getWaitingCount(),
  };
}
