import type { Consumer } from "@fedplat/events";
import type { JobsOptions } from "bullmq";

export interface RetryPolicy {
  /** Attempts per job, the first included. @default 5 */
  attempts: number;
  /** First retry delay; doubles each time (1 s, 2 s, 4 s, 8 s). @default 1_000 */
  backoffMs: number;
  /** Per consumer queue overrides of `attempts` and `backoffMs` (0 or absent: the default). */
  attemptsByConsumer?: Partial<Record<Consumer, number>>;
  backoffMsByConsumer?: Partial<Record<Consumer, number>>;
}

/**
 * Options of every event job: jobId = event id (a re-publish is a no-op while the job is kept),
 * exponential backoff with jitter. Completed jobs are kept an hour, at most 1,000 per queue: the
 * relay re-publishes only rows whose transaction did not commit (it retries within seconds), the
 * consumers are idempotent past that window anyway, and a queue at its cap trims one job per
 * completion: at 10,000 that cost Redis ~30 µs more per job and ~20% of a queue's throughput
 * (measured with bench/events.ts's jobs), at 1,000 it costs nothing measurable.
 */
export function eventJobOptions(eventId: string, consumer: Consumer, policy: RetryPolicy): JobsOptions {
  return {
    jobId: eventId,
    attempts: policy.attemptsByConsumer?.[consumer] || policy.attempts,
    backoff: { type: "exponential", delay: policy.backoffMsByConsumer?.[consumer] || policy.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 3600, count: 1_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/** The queue of `consumer`; an event routed to a service the workers run no queue for is a wiring bug, said so. */
export function queueFor<Q>(queues: Readonly<Record<Consumer, Q>>, consumer: Consumer): Q {
  const queue = queues[consumer];
  if (!queue)
    throw new Error(
      `no queue for consumer "${consumer}" (services.json consumesEvents, and the workers' wiring in workers.ts)`,
    );
  return queue;
}
