import { type Consumer, type DeadLetter, parseEnvelope } from "@fedplat/events";
import type { Queue } from "bullmq";
import { eventJobOptions, type RetryPolicy } from "./jobOptions";
import { traceOptionsOf } from "./tracing";

export interface DeadLetterEntry extends DeadLetter {
  /** Id of the dead letter itself (queue.jobId; BullMQ ids cannot contain ":"). */
  id: string;
}

/** Operations on the dead letters (GraphQL, CLI and tests use the same ones). */
export interface DeadLetterOps {
  list(limit?: number): Promise<DeadLetterEntry[]>;
  show(id: string): Promise<DeadLetterEntry | null>;
  /** Sends the original event back to its queue under a new job id; the consumer's idempotency still holds. */
  replay(id: string): Promise<boolean>;
  discard(id: string): Promise<boolean>;
  count(): Promise<number>;
}

export function deadLetterOps(deadLetters: Queue, queueByName: (name: string) => Queue | undefined, policy: RetryPolicy): DeadLetterOps {
  const entry = (job: { id?: string; data: DeadLetter }): DeadLetterEntry => ({ ...job.data, id: String(job.id) });
  return {
    list: async (limit = 100) => (await deadLetters.getJobs(["waiting"], 0, limit - 1)).map((job) => entry(job as { id?: string; data: DeadLetter })),
    show: async (id) => {
      const job = await deadLetters.getJob(id);
      return job ? entry(job as { id?: string; data: DeadLetter }) : null;
    },
    replay: async (id) => {
      const job = await deadLetters.getJob(id);
      if (!job) return false;
      const letter = job.data as DeadLetter;
      const queue = queueByName(letter.queue);
      if (!queue) throw new Error(`dead letter ${id} came from ${letter.queue}, which cannot be replayed (fix the event at its source)`);
      const event = parseEnvelope(letter.event); // still invalid: refuse rather than loop through the dead letters again
      // Under a new job id (the old one is spent), in the event's own trace: the replay shows up
      // next to the attempts that failed.
      await queue.add(event.type, event, { ...eventJobOptions(event.eventId, letter.consumer as Consumer, policy), ...traceOptionsOf(event), jobId: `${event.eventId}.replay.${Date.now()}` });
      await job.remove();
      return true;
    },
    discard: async (id) => {
      const job = await deadLetters.getJob(id);
      if (!job) return false;
      await job.remove();
      return true;
    },
    count: () => deadLetters.getWaitingCount(),
  };
}
