import type { LiveUpdate } from "@fedplat/events";
import type { ExecutionResult } from "graphql";
import { DeferredEvent, type EventPayload, type EventResult } from "./deferredEvent";

export interface LiveSubscriptionOptions {
  /** Updates (events, not their parts) allowed to wait; one more calls `onOverflow` instead of growing the queue. */
  queueLimit: number;
  /** The subscriber's event for one update (whole, or in parts); undefined when the update is not for them. */
  resolve(update: LiveUpdate, sequence: number, early: boolean): Promise<EventResult | undefined>;
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
 * An event with deferred parts (`@defer`) yields its initial part, then each later part, before
 * the next update is resolved: a client never sees two events' parts interleaved.
 */
export class LiveSubscription implements AsyncIterableIterator<EventPayload> {
  private queue: Array<{ update: LiveUpdate; sequence: number; early: boolean }> = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private initial: EventResult | undefined;
  /** The later parts of the event being delivered. */
  private later: AsyncIterator<EventPayload> | undefined;
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
  setInitial(result: EventResult): void {
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

  async next(): Promise<IteratorResult<EventPayload>> {
    while (!this.closed) {
      if (this.final) {
        const value = this.final;
        this.close();
        return { value, done: false };
      }
      if (this.later) {
        const part = await this.later.next();
        if (!part.done && !this.closed && !this.final) return part;
        if (part.done) this.later = undefined;
        continue;
      }
      if (this.initial) {
        const value = this.initial;
        this.initial = undefined;
        return { value: this.begin(value), done: false };
      }
      const item = this.queue.shift();
      if (!item) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const value = await this.options.resolve(item.update, item.sequence, item.early);
      if (value && !this.closed && !this.final) return { value: this.begin(value), done: false };
    }
    return { value: undefined, done: true };
  }

  /** An event's first message; its later parts, if any, come next. */
  private begin(event: EventResult): EventPayload {
    if (!(event instanceof DeferredEvent)) return event;
    this.later = event.later();
    return event.initial;
  }

  async return(): Promise<IteratorResult<EventPayload>> {
    this.close();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<EventPayload>> {
    this.close();
    throw error;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.initial = undefined;
    void this.later?.return?.(undefined);
    this.later = undefined;
    this.wake?.();
    this.options.onClose();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
