import type { Consumer } from "@fedplat/events";
import type { JobsOptions } from "bullmq";

export interface RetryPolicy {
  /** Attempts per job, the first included. @default 5 */
  attempts: number;
  /** First retry delay; doubles each time (1 s, 2 s, 4 s, 8 s). @default 1_000 */
  backoffMs: number;
  /** Per consumer queue overrides of `attempts`. */
  attemptsByConsumer?: Partial<Record<Consumer, number>>;
}

/**
 * Options of every event job: jobId = event id (a re-publish is a no-op while the job is kept),
 * exponential backoff with jitter, completed jobs kept a day for that de-duplication.
 */
export function eventJobOptions(eventId: string, consumer: Consumer, policy: RetryPolicy): JobsOptions {
  return {
    jobId: eventId,
    attempts: policy.attemptsByConsumer?.[consumer] || policy.attempts,
    backoff: { type: "exponential", delay: policy.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 24 * 3600, count: 100_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}
