import { GraphQLRequestError } from "./errors";

export interface RetryOptions {
  /** Tries in all, the first included. @default 4 */
  attempts?: number;
  /** Delay before the first retry; doubled before each next one, with jitter. @default 200 */
  baseDelayMs?: number;
  /** Upper bound of one delay. @default 2_000 */
  maxDelayMs?: number;
}

/** HTTP statuses of a gateway or proxy that did not get (or pass on) an answer: the request may or may not have run. */
const RETRYABLE_STATUSES = new Set([502, 503, 504]);

/**
 * A failure after which the request may or may not have been applied: no answer reached the client
 * (NETWORK_ERROR: refused, reset, timed out), a 502-504, or the gateway could not hear back from a
 * subgraph (SUBGRAPH_UNAVAILABLE). Only a request the server deduplicates (an idempotency key) may
 * be sent again after one of these.
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof GraphQLRequestError)) return false;
  return (
    error.code === "NETWORK_ERROR" || error.code === "SUBGRAPH_UNAVAILABLE" || RETRYABLE_STATUSES.has(error.status)
  );
}

/**
 * Runs `send` until it succeeds, fails for good (not isRetryable) or has used its attempts, waiting
 * baseDelayMs * 2^n (capped, full jitter: retries of many clients do not arrive together) in between.
 * `send` must be safe to repeat: the same idempotency key on every attempt.
 */
export async function withRetries<T>(send: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 2_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await send(attempt);
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      const delay = Math.random() * Math.min(max, base * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
