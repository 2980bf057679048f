/** How long the gateway waits before a retry. */
export interface RetryDelayPolicy {
  /** The first retry's delay ceiling; each further retry doubles it. @default 50 */
  retryBaseDelayMs: number;
  /** The delay ceiling of any retry. @default 1_000 */
  retryMaxDelayMs: number;
  /** The longest `Retry-After` the gateway waits out; a subgraph asking for longer is not retried. @default 2_000 */
  retryAfterMaxMs: number;
}

/**
 * Exponential backoff with full jitter (a random delay up to base * 2^retry, capped): retries
 * of many gateways spread out instead of arriving together.
 */
export function backoffMs(retry: number, policy: RetryDelayPolicy, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(policy.retryMaxDelayMs, policy.retryBaseDelayMs * 2 ** retry));
}

/** A `Retry-After` value (delay seconds or an HTTP date) in milliseconds from `now`; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
