import type { Logger } from "@fedplat/runtime";
import {
  type Consumer,
  type DeadLetter,
  type EventKeyring,
  EventSignatureError,
  type Envelope,
  type EventType,
  eventKeyring,
  InvalidEventError,
  parseEnvelope,
  queueOf,
  verifyEvent,
} from "@fedplat/events";
import { type EventHandler, type EventHandlers, isBatchable } from "@fedplat/event-store";
import { type Job, type Processor, type Queue, UnrecoverableError, Worker, type WorkerOptions } from "bullmq";
import { createGroupCommitter, type GroupCommitOptions } from "./groupCommit";
import { createOutagePause } from "./outagePause";
import { isUnreachable } from "./unreachable";

/**
 * The processor of one consumer's queue: validate the event and verify its producer's signature
 * (an invalid, forged or altered one can never succeed: UnrecoverableError, straight to the dead
 * letters, with a security log line), then run its handler: through a group committer when the
 * handler is batchable and `groupCommit` is given. Testable with a plain object in place of a
 * BullMQ job.
 */
export function createProcessor(
  consumer: Consumer,
  handlers: EventHandlers,
  groupCommit?: GroupCommitOptions,
  security: { logger?: Logger; keyring?: EventKeyring } = {},
): Processor<unknown, "applied" | "duplicate"> {
  const keyring = security.keyring ?? eventKeyring();
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
  return async (job: Pick<Job, "data" | "attemptsMade" | "opts"> & { queueName?: string; id?: string }) => {
    let event;
    try {
      event = parseEnvelope(job.data);
    } catch (error) {
      throw new UnrecoverableError(error instanceof InvalidEventError ? error.message : String(error));
    }
    // Before any handler: a job anyone with Redis (or Bull Board) access wrote carries no valid signature.
    try {
      if (verifyEvent(event, keyring) === "unsigned")
        security.logger?.warn(
          signatureLogFields(consumer, job, event),
          "unsigned event accepted (EVENT_SIGNATURES=warn)",
        );
    } catch (error) {
      if (!(error instanceof EventSignatureError)) throw error;
      security.logger?.error(
        { ...signatureLogFields(consumer, job, event), reason: error.message },
        "event refused: signature invalid",
      );
      throw new UnrecoverableError(error.message);
    }
    const handler = handlers[event.type];
    if (!handler) throw new UnrecoverableError(`${consumer} has no handler for ${event.type}`);
    const attempt = job.attemptsMade + 1;
    return run(event.type, handler)(event, { attempt, isLastAttempt: attempt >= (job.opts.attempts ?? 1) });
  };
}

/** Where a signature problem was seen, for its security log line (built only when one is logged). */
function signatureLogFields(consumer: Consumer, job: { queueName?: string; id?: string }, event: Envelope) {
  return {
    eventId: event.eventId,
    type: event.type,
    producer: event.producer,
    kid: event.signature?.kid,
    queue: job.queueName ?? queueOf(consumer),
    jobId: job.id,
    security: "event-signature",
  };
}

/**
 * The dead letter of a job whose attempt `attempts` failed for good with `error`. BullMQ keeps
 * one stack trace per failed attempt; their first lines are the earlier attempts' errors, and
 * `error` (the last one) is added unless the job already holds it (after its failure).
 */
export function deadLetterOf(consumer: Consumer, job: Job, error: Error, attempts = job.attemptsMade): DeadLetter {
  const earlier = (job.stacktrace ?? [])
    .slice(0, Math.max(0, attempts - 1))
    .map((stack) => stack.split("\n")[0] ?? stack);
  return {
    queue: job.queueName,
    consumer,
    jobId: String(job.id),
    event: job.data,
    attempts,
    errors: [...earlier, `${error.name}: ${error.message}`],
    failedAt: new Date().toISOString(),
  };
}

/** The dead letter's own job id: one per job, so writing it again (after a crash) changes nothing. */
export const deadLetterIdOf = (job: Pick<Job, "queueName" | "id">) => `${job.queueName}.${job.id}`;

/** Whether this attempt's failure is the job's last: no retry follows it. */
function isFinal(job: Pick<Job, "attemptsMade" | "opts">, error: unknown): boolean {
  return (
    (error instanceof Error && error.name === "UnrecoverableError") || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)
  );
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
  /** Verifies the events' signatures; default: the process's (EVENT_SIGNING_KEYS, EVENT_VERIFY_KEYS). */
  keyring?: EventKeyring;
  /** Pauses while the consumer's database is unreachable (see outagePause.ts). @default 500 ms doubling to 5 s */
  outage?: { initialMs: number; maxMs: number };
  onOutcome?: (consumer: Consumer, type: string, outcome: "applied" | "duplicate" | "retry" | "dead") => void;
  /** Called when the consumer pauses for an outage of its database, and when it resumes. */
  onOutage?: (queue: string, state: "paused" | "resumed") => void;
}

/**
 * A BullMQ worker for one consumer queue.
 *
 * While the consumer's database is unreachable (see unreachable.ts) a failed job goes back to
 * waiting through BullMQ's manual rate limit, which counts no attempt, and the worker takes no
 * job until the pause ends: an outage longer than the retries (5 attempts span ~15 s) would
 * otherwise dead-letter every job that ran during it.
 *
 * A job that fails for good has its dead letter written by the processor, before the job is
 * failed: a crash between the two then leaves an active job whose lock lapses, which runs again
 * and writes the same dead letter (same id: a no-op). Written from the "failed" listener, after
 * the job was failed, a crash in between lost the letter.
 */
export function startConsumer(options: ConsumerOptions): Worker {
  const processJob = createProcessor(options.consumer, options.handlers, options.groupCommit, {
    logger: options.logger,
    keyring: options.keyring,
  });
  const outage = createOutagePause({
    queue: options.queueName,
    logger: options.logger,
    ...options.outage,
    onChange: options.onOutage,
  });
  /** Errors whose dead letter the processor wrote; the "failed" listener writes the others'. */
  const deadLettered = new WeakSet<object>();
  const writeDeadLetter = (job: Job, error: Error, attempts: number) =>
    options.deadLetters.add("dead-letter", deadLetterOf(options.consumer, job, error, attempts), {
      jobId: deadLetterIdOf(job),
    });

  const worker: Worker = new Worker(
    options.queueName,
    async (job: Job) => {
      try {
        const outcome = await processJob(job);
        outage.reachable();
        return outcome;
      } catch (error) {
        if (isUnreachable(error)) {
          await worker.rateLimit(outage.pauseMs(error));
          throw Worker.RateLimitError();
        }
        // Failing for a reason of its own, the job reached the database; an invalid event never tries.
        if (!(error instanceof Error && error.name === "UnrecoverableError")) outage.reachable();
        if (!(error instanceof Error) || !isFinal(job, error)) throw error;
        try {
          await writeDeadLetter(job, error, job.attemptsMade + 1);
        } catch (dlqError) {
          // Redis failed us: the job must not fail without its letter. Back to waiting, attempt
          // not counted; the next run fails again and writes it.
          options.logger.error(
            { err: dlqError, queue: job.queueName, jobId: job.id },
            "could not record dead letter; the job runs again",
          );
          await worker.rateLimit(1_000).catch(() => undefined);
          throw Worker.RateLimitError();
        }
        deadLettered.add(error);
        throw error;
      }
    },
    options.worker,
  );
  worker.on("completed", (job, outcome: "applied" | "duplicate") =>
    options.onOutcome?.(options.consumer, job.name, outcome),
  );
  worker.on("failed", (job, error) => {
    if (!job) return;
    const final = error.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1);
    options.onOutcome?.(options.consumer, job.name, final ? "dead" : "retry");
    if (!final) {
      options.logger.warn(
        { queue: job.queueName, jobId: job.id, attempt: job.attemptsMade, error: error.message },
        "event failed; will retry",
      );
      return;
    }
    options.logger.error(
      { queue: job.queueName, jobId: job.id, attempts: job.attemptsMade, error: error.message },
      "event moved to dead letters",
    );
    if (deadLettered.has(error)) return;
    // Failed by BullMQ itself, never reaching the processor's last catch (stalled too often).
    writeDeadLetter(job, error, job.attemptsMade).catch((dlqError: unknown) =>
      options.logger.error(
        { err: dlqError, jobId: job.id },
        "could not record dead letter (the job stays in the failed set)",
      ),
    );
  });
  worker.on("error", (error) => options.logger.error({ err: error, queue: options.queueName }, "worker error"));
  return worker;
}
