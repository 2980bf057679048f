import { type Consumer, type DeadLetter, parseEnvelope } from "@fedplat/events";
import type { BulkReplay, DeadLetterEntry, DeadLetterOps } from "@fedplat/operations/workers";
import type { Job, Queue } from "bullmq";
import { eventJobOptions, type RetryPolicy } from "./jobOptions";
import { redactPersonalData } from "./redact";
import { traceOptionsOf } from "./tracing";

// The port the operations subgraph defines; implemented here on the BullMQ dead-letter queue.
export {
  type BulkReplay,
  DEAD_LETTER_SOURCES,
  type DeadLetterEntry,
  type DeadLetterOps,
  OUTBOX_LETTERS,
  unknownQueueProblem,
} from "@fedplat/operations/workers";

type DeadLetterJob = Job<DeadLetter>;

/** Letters fetched per round trip when going through many of them. */
const PAGE = 100;

export function deadLetterOps(
  deadLetters: Queue,
  queueByName: (name: string) => Queue | undefined,
  policy: RetryPolicy,
): DeadLetterOps {
  const entry = (job: DeadLetterJob): DeadLetterEntry => ({
    ...job.data,
    event: redactPersonalData(job.data.event),
    id: String(job.id),
  });
  const find = async (id: string) => ((await deadLetters.getJob(id)) as DeadLetterJob | undefined) ?? null;

  /**
   * The waiting dead letters there are now, oldest first, a page at a time (of `queue` when
   * given), until `visit` says stop. Ids are taken first, so letters removed meanwhile (a replay
   * or discard, here or by another admin) are skipped and letters that arrive meanwhile wait for
   * the next call.
   */
  async function eachLetter(
    queue: string | undefined,
    visit: (jobs: DeadLetterJob[]) => Promise<boolean | undefined>,
  ): Promise<void> {
    const ids = await deadLetters.getRanges(["waiting"], 0, -1, true);
    for (let start = 0; start < ids.length; start += PAGE) {
      const jobs = (await Promise.all(ids.slice(start, start + PAGE).map(find))).filter(
        (job): job is DeadLetterJob => job !== null && (queue === undefined || job.data.queue === queue),
      );
      if ((await visit(jobs)) === false) return;
    }
  }

  async function replayJob(job: DeadLetterJob): Promise<void> {
    const letter = job.data;
    const queue = queueByName(letter.queue);
    if (!queue)
      throw new Error(
        `dead letter ${job.id} came from ${letter.queue}, which cannot be replayed (fix the event at its source)`,
      );
    const event = parseEnvelope(letter.event); // still invalid: refuse rather than loop through the dead letters again
    // Under a new job id (the old one is spent), in the event's own trace: the replay shows up
    // next to the attempts that failed.
    await queue.add(event.type, event, {
      ...eventJobOptions(event.eventId, letter.consumer as Consumer, policy),
      ...traceOptionsOf(event),
      jobId: `${event.eventId}.replay.${Date.now()}`,
    });
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
        for (const outcome of await Promise.allSettled(jobs.map(replayJob)))
          result[outcome.status === "fulfilled" ? "replayed" : "refused"]++;
        return undefined;
      });
      return result;
    },
    discardAll: async (queue) => {
      let discarded = 0;
      await eachLetter(queue, async (jobs) => {
        // One removed meanwhile (by another admin) is not counted.
        for (const outcome of await Promise.allSettled(jobs.map((job) => job.remove())))
          if (outcome.status === "fulfilled") discarded++;
        return undefined;
      });
      return discarded;
    },
    count: () => deadLetters.getWaitingCount(),
  };
}
