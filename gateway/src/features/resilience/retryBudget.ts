/** How many retries a subgraph may receive, as a share of its recent fetches. */
export interface RetryBudgetPolicy {
  /** Retries allowed as a percentage of the fetches sent in the window. @default 10 */
  retryBudgetPercent: number;
  /** Retries always allowed per window, so a quiet subgraph can still be retried. @default 10 */
  retryBudgetMinRetries: number;
  /** The sliding window fetches and retries are counted over. @default 10_000 */
  retryBudgetWindowMs: number;
}

const BUCKETS = 10;

/** Counts per time bucket over a sliding window of BUCKETS buckets. */
class SlidingCount {
  private readonly counts = new Array<number>(BUCKETS).fill(0);
  private bucket = 0;
  private bucketStart = 0;

  constructor(
    private readonly bucketMs: number,
    private readonly now: () => number,
  ) {}

  add(): void {
    this.advance();
    this.counts[this.bucket] = (this.counts[this.bucket] ?? 0) + 1;
  }

  total(): number {
    this.advance();
    return this.counts.reduce((sum, count) => sum + count, 0);
  }

  private advance(): void {
    const now = this.now();
    const passed = Math.min(BUCKETS, Math.floor((now - this.bucketStart) / this.bucketMs));
    for (let step = 0; step < passed; step++) {
      this.bucket = (this.bucket + 1) % BUCKETS;
      this.counts[this.bucket] = 0;
    }
    if (passed > 0) this.bucketStart = now - ((now - this.bucketStart) % this.bucketMs);
  }
}

/**
 * Finagle's retry budget, per subgraph: retries may add at most `retryBudgetPercent` to the
 * fetches of the window (plus a small floor), so a subgraph that fails everything receives
 * ~1.1x its traffic instead of (1 + retries)x: a retry storm cannot form. Hand-written: the
 * Node retry libraries (p-retry, async-retry, cockatiel's retry) budget attempts per call, not
 * retries per destination over time.
 */
export class RetryBudget {
  private readonly fetches: SlidingCount;
  private readonly retries: SlidingCount;

  constructor(
    private readonly policy: RetryBudgetPolicy,
    now: () => number = Date.now,
  ) {
    const bucketMs = Math.max(1, Math.ceil(policy.retryBudgetWindowMs / BUCKETS));
    this.fetches = new SlidingCount(bucketMs, now);
    this.retries = new SlidingCount(bucketMs, now);
  }

  /** A first attempt was sent. */
  sent(): void {
    this.fetches.add();
  }

  /** Takes one retry from the budget; false when the window's retries are used up. */
  tryRetry(): boolean {
    const allowed = Math.max(
      this.policy.retryBudgetMinRetries,
      Math.floor((this.fetches.total() * this.policy.retryBudgetPercent) / 100),
    );
    if (this.retries.total() >= allowed) return false;
    this.retries.add();
    return true;
  }
}
