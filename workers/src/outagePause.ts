import type { Logger } from "@fedplat/runtime";

export interface OutagePauseOptions {
  /** The queue whose consumer pauses (for logs and metrics). */
  queue: string;
  logger: Logger;
  /** First pause; it doubles while the outage lasts. @default 500 */
  initialMs?: number;
  /** Longest pause: how late, at worst, a consumer notices its database is back. @default 5_000 */
  maxMs?: number;
  /** Called once when an outage starts (paused) and once when it ends (resumed). */
  onChange?: (queue: string, state: "paused" | "resumed") => void;
}

/**
 * One consumer's pauses while its database is unreachable. Every job in flight fails at once
 * when the database goes away (up to WORKER_CONCURRENCY of them), so the delay doubles once per
 * pause, not once per failed job: a failure while the current pause still runs gets what is left
 * of it. The outage is logged when it starts and when it ends, not once per job.
 */
export interface OutagePause {
  /** A job could not reach the database: how long the consumer should take no jobs. */
  pauseMs(error: unknown): number;
  /** A job reached the database (it succeeded, or failed for a reason of its own): the outage, if any, is over. */
  reachable(): void;
  readonly paused: boolean;
}

export function createOutagePause(options: OutagePauseOptions): OutagePause {
  const initialMs = options.initialMs ?? 500;
  const maxMs = options.maxMs ?? 5_000;
  let delayMs = 0;
  let until = 0;
  let since = 0;
  let pauses = 0;
  return {
    pauseMs(error) {
      const now = Date.now();
      if (now < until) return until - now;
      if (since === 0) {
        since = now;
        delayMs = initialMs;
        options.logger.warn(
          { queue: options.queue, err: error },
          "database unreachable: consumer paused until it is back (jobs keep their attempts)",
        );
        options.onChange?.(options.queue, "paused");
      } else {
        delayMs = Math.min(delayMs * 2, maxMs);
      }
      pauses++;
      until = now + delayMs;
      return delayMs;
    },
    reachable() {
      if (since === 0) return;
      options.logger.info(
        { queue: options.queue, outageMs: Date.now() - since, pauses },
        "database reachable again: consumer resumed",
      );
      since = 0;
      until = 0;
      pauses = 0;
      options.onChange?.(options.queue, "resumed");
    },
    get paused() {
      return since !== 0;
    },
  };
}
