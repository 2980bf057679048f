import { lruBound } from "@fedplat/runtime";
import { LRUCache } from "lru-cache";
import pLimit from "p-limit";
import { DeferredEvent, type EventResult } from "./deferredEvent";

/** How long an event's settled execution still serves subscribers who come to it late. */
const SETTLED_MS = 10_000;

/**
 * Executions of events, bounded in number, and shared: subscribers whose executions have the same
 * key receive one update through one execution (a thousand tabs of one dashboard, or a thousand
 * staff viewers whose answer depends only on their role, cost one federated query per event). An
 * execution with deferred parts (DeferredEvent) is shared whole, every subscriber replaying its
 * parts, and keeps its place in the bound until its last part: deferred fetches are federated work too.
 * Keys name one event (its sequence), so a settled single result is kept a little while for the
 * subscribers of that event who get to it later (a slow session check, a client reading slowly):
 * they receive the same answer instead of running it again.
 */
export function createSharedExecutions<T extends { result: EventResult }>(concurrency: number) {
  const limit = pLimit(concurrency);
  const inflight = new Map<string, Promise<T>>();
  const settled = new LRUCache<string, T>({ ...lruBound(10_000), ttl: SETTLED_MS });
  /** Runs within the bound; resolves with the first part, holds the bound until the last. */
  const bounded = (execute: () => Promise<T>, done?: (execution: T | undefined) => void) =>
    new Promise<T>((resolve, reject) => {
      let execution: T | undefined;
      void limit(async () => {
        execution = await execute();
        resolve(execution);
        if (execution.result instanceof DeferredEvent) await execution.result.finished;
      })
        .catch(reject)
        .finally(() => done?.(execution));
    });
  return {
    run(key: string, execute: () => Promise<T>): Promise<T> {
      const done = settled.get(key);
      if (done) return Promise.resolve(done);
      let execution = inflight.get(key);
      if (!execution) {
        execution = bounded(execute, (finished) => {
          inflight.delete(key);
          if (finished && !(finished.result instanceof DeferredEvent)) settled.set(key, finished);
        });
        inflight.set(key, execution);
      }
      return execution;
    },
    /** One execution within the same bound, not shared. */
    limited: (execute: () => Promise<T>) => bounded(execute),
    /** Shared executions queued or running now. */
    size: () => inflight.size,
  };
}
