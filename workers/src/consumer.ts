import type { Logger } from "@fedplat/common";
import { type Consumer, type DeadLetter, type EventHandler, type EventHandlers, type EventType, InvalidEventError, isBatchable, parseEnvelope } from "@fedplat/events";
import { type Job, type Processor, type Queue, UnrecoverableError, Worker, type WorkerOptions } from "bullmq";
import { createGroupCommitter, type GroupCommitOptions } from "./groupCommit";

/**
 * The processor of one consumer's queue: validate the event (an invalid one can never succeed:
 * UnrecoverableError, straight to the dead letters), then run its handler: through a group
 * committer when the handler is batchable and `groupCommit` is given. Testable with a plain
 * object in place of a BullMQ job.
 */
export function createProcessor(consumer: Consumer, handlers: EventHandlers, groupCommit?: GroupCommitOptions): Processor<unknown, "applied" | "duplicate"> {
  const committers = new Map<EventType, EventHandler>();
  const run = (type: EventType, handler: EventHandler): EventHandler => {
    if (!groupCommit || groupCommit.maxBatch <= 1 || !isBatchable(handler)) return handler;
    let committer = committers.get(type);
    if (!committer) {
      committer = createGroupCommitter(handler, groupCommit);
      committers.set(type, committer);
    }
    return committer;
  };
  return async (job: Pick<Job, "data" | "attemptsMade" | "opts">) => {
    let event;
    try {
      event = parseEnvelope(job.data);
    } catch (error) {
      throw new UnrecoverableError(error instanceof InvalidEventError ? error.message : String(error));
    }
    const handler = handlers[event.type];
    if (!handler) throw new UnrecoverableError(`${consumer} has no handler for ${event.type}`);
    const attempt = job.attemptsMade + 1;
    return run(event.type, handler)(event, { attempt, isLastAttempt: attempt >= (job.opts.attempts ?? 1) });
  };
}

/** The dead letter for a job that failed for good. */
export function deadLetterOf(consumer: Consumer, job: Job, error: Error): DeadLetter {
  // BullMQ keeps one stack trace per failed attempt, the last one included; their first lines are the errors.
  const perAttempt = (job.stacktrace ?? []).map((stack) => stack.split("\n")[0] ?? stack);
  return {
    queue: job.queueName,
    consumer,
    jobId: String(job.id),
    event: job.data,
    attempts: job.attemptsMade,
    errors: perAttempt.length > 0 ? perAttempt : [`${error.name}: ${error.message}`],
    failedAt: new Date().toISOString(),
  };
}

export interface ConsumerOptions {
  consumer: Consumer;
  queueName: string;
  handlers: EventHandlers;
  deadLetters: Queue;
  logger: Logger;
  worker: Omit<WorkerOptions, "autorun">;
  /** Group commit for batchable handlers (see groupCommit.ts); off when absent. */
  groupCommit?: GroupCommitOptions;
  onOutcome?: (consumer: Consumer, type: string, outcome: "applied" | "duplicate" | "retry" | "dead") => void;
}

/** A BullMQ worker for one consumer queue, moving jobs that fail for good to the dead letters. */
export function startConsumer(options: ConsumerOptions): Worker {
  const worker = new Worker(options.queueName, createProcessor(options.consumer, options.handlers, options.groupCommit), options.worker);
  worker.on("completed", (job, outcome: "applied" | "duplicate") => options.onOutcome?.(options.consumer, job.name, outcome));
  worker.on("failed", (job, error) => {
    if (!job) return;
    const final = error.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1);
    options.onOutcome?.(options.consumer, job.name, final ? "dead" : "retry");
    if (!final) {
      options.logger.warn({ queue: job.queueName, jobId: job.id, attempt: job.attemptsMade, error: error.message }, "event failed; will retry");
      return;
    }
    options.logger.error({ queue: job.queueName, jobId: job.id, attempts: job.attemptsMade, error: error.message }, "event moved to dead letters");
    options.deadLetters
      .add("dead-letter", deadLetterOf(options.consumer, job, error), { jobId: `${job.queueName}.${job.id}` })
      .catch((dlqError: unknown) => options.logger.error({ err: dlqError, jobId: job.id }, "could not record dead letter (the job stays in the failed set)"));
  });
  worker.on("error", (error) => options.logger.error({ err: error, queue: options.queueName }, "worker error"));
  return worker;
}
