import type { LiveUpdate } from "@fedplat/events";
import type { ExecutionResult } from "graphql";

export interface LiveSubscriptionOptions {
  /** Updates allowed to wait; one more calls `onOverflow` instead of growing the queue. */
  queueLimit: number;
  /** The subscriber's payload for one update; undefined when the update is not for them. */
  resolve(update: LiveUpdate, sequence: number, early: boolean): Promise<ExecutionResult | undefined>;
  onOverflow(): void;
  /** Called once, however the subscription ends (complete, disconnect, overflow). */
  onClose(): void;
}

/**
 * One subscription's events as the async iterator graphql-ws consumes. Hand-written rather than
 * an async generator: a generator's return() waits behind a pending next(), so a client leaving
 * while no event comes would never release its listener; here return() ends a pending next() at
 * once. Updates queue (bounded) and are resolved one at a time as the client takes them, so a
 * slow client costs at most `queueLimit` small messages, never executed results.
 */
export class LiveSubscription implements AsyncIterableIterator<ExecutionResult> {
  private queue: Array<{ update: LiveUpdate; sequence: number; early: boolean }> = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private initial: ExecutionResult | undefined;
  /** True until the initial state is read: updates that arrive meanwhile may repeat it. */
  private readingInitial = false;
  /** A last result to deliver before completing (end()). */
  private final: ExecutionResult | undefined;

  constructor(private readonly options: LiveSubscriptionOptions) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Marks updates from now on as possibly already contained in the initial state. */
  beginInitialRead(): void {
    this.readingInitial = true;
  }

  /** The first event: the entity's state when subscribing. */
  setInitial(result: ExecutionResult): void {
    this.readingInitial = false;
    this.initial = result;
  }

  push(update: LiveUpdate, sequence: number): void {
    if (this.closed) return;
    if (this.queue.length >= this.options.queueLimit) {
      this.options.onOverflow();
      return;
    }
    this.queue.push({ update, sequence, early: this.readingInitial });
    this.wake?.();
  }

  /** Delivers `result` as the last event, then completes (graphql-ws sends `complete`). */
  end(result: ExecutionResult): void {
    if (this.closed) return;
    this.final = result;
    this.queue = [];
    this.initial = undefined;
    this.wake?.();
  }

  async next(): Promise<IteratorResult<ExecutionResult>> {
    while (!this.closed) {
      if (this.final) {
        const value = this.final;
        this.close();
        return { value, done: false };
      }
      if (this.initial) {
        const value = this.initial;
        this.initial = undefined;
        return { value, done: false };
      }
      const item = this.queue.shift();
      if (!item) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const value = await this.options.resolve(item.update, item.sequence, item.early);
      if (value && !this.closed && !this.final) return { value, done: false };
    }
    return { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.close();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.close();
    throw error;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.initial = undefined;
    this.wake?.();
    this.options.onClose();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
