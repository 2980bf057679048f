import type {
  GraphQLExperimentalFormattedIncrementalResultAlpha2,
  GraphQLExperimentalFormattedSubsequentIncrementalExecutionResultAlpha2,
} from "@apollo/server";
import type { ExecutionResult } from "graphql";

/** A later part of an event (deferSpec=20220824): `{ incremental: [{ data, path, label? }], hasNext }`. */
export type LaterPart = GraphQLExperimentalFormattedSubsequentIncrementalExecutionResultAlpha2;
export type IncrementalPart = GraphQLExperimentalFormattedIncrementalResultAlpha2;

/**
 * What a subscriber receives for one event, one message at a time: a whole result, or with
 * `@defer` the initial part (`hasNext: true`) and then each later part. Typed as an
 * ExecutionResult so graphql-ws and graphql-sse pass every one through as a `next` message.
 */
export type EventPayload = ExecutionResult & {
  hasNext?: boolean;
  incremental?: readonly IncrementalPart[];
};

/**
 * One execution of an event whose document defers fragments: its initial part, and its later
 * parts recorded as they come, so every subscriber sharing the execution (sharedExecutions.ts)
 * replays the whole sequence from the start, at its own pace. The later parts are read to the end
 * whatever the subscribers do: they are few (one per deferred fragment) and the execution finishes
 * on its own, so a slow subscriber holds only these small objects, never the executor.
 */
export class DeferredEvent {
  private readonly parts: LaterPart[] = [];
  private ended = false;
  private readonly waiting = new Set<() => void>();
  /** Resolves when the last part is recorded (never rejects). */
  readonly finished: Promise<void>;

  constructor(
    readonly initial: EventPayload,
    later: AsyncIterable<LaterPart>,
  ) {
    this.finished = this.record(later);
  }

  private async record(later: AsyncIterable<LaterPart>): Promise<void> {
    try {
      for await (const part of later) {
        this.parts.push(part);
        this.wakeAll();
      }
    } catch {
      // The patched executor reports a deferred fetch's failure inside its part and never throws;
      // should it, the event still ends, so its subscribers move on to the next one.
    }
    if (this.parts.at(-1)?.hasNext !== false) this.parts.push({ hasNext: false });
    this.ended = true;
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const wake of this.waiting) wake();
    this.waiting.clear();
  }

  /** The later parts from the first, for one subscriber; ends after the part with `hasNext: false`. */
  async *later(): AsyncGenerator<EventPayload> {
    for (let index = 0; ; index += 1) {
      while (index >= this.parts.length) {
        if (this.ended) return;
        await new Promise<void>((resolve) => this.waiting.add(resolve));
      }
      const part = this.parts[index] as LaterPart;
      yield part;
      if (!part.hasNext) return;
    }
  }

  /** The whole event as one string (initial part and every later one), once it has ended. */
  async json(): Promise<string> {
    await this.finished;
    return JSON.stringify([this.initial, this.parts]);
  }
}

/** An event's execution: a whole result, or an initial part followed by later ones. */
export type EventResult = ExecutionResult | DeferredEvent;

/** The event's first (or only) message. */
export const firstOf = (result: EventResult): EventPayload =>
  result instanceof DeferredEvent ? result.initial : result;
