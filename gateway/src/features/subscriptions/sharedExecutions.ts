import { LRUCache } from "lru-cache";
import pLimit from "p-limit";

/** How long an event's settled execution still serves subscribers who come to it late. */
const SETTLED_MS = 10_000;

/**
 * Executions of events, bounded in number, and shared: subscribers whose executions have the same
 * key receive one update through one execution (a thousand tabs of one dashboard, or a thousand
 * staff viewers whose answer depends only on their role, cost one federated query per event).
 * Keys name one event (its sequence), so a settled execution is kept a little while for the
 * subscribers of that event who get to it later (a slow session check, a client reading slowly):
 * they receive the same answer instead of running it again.
 */
export function createSharedExecutions<T extends object>(concurrency: number) {
  const limit = pLimit(concurrency);
  const inflight = new Map<string, Promise<T>>();
  const settled = new LRUCache<string, T>({ max: 10_000, ttl: SETTLED_MS });
  return {
    run(key: string, execute: () => Promise<T>): Promise<T> {
      const done = settled.get(key);
      if (done) return Promise.resolve(done);
      let execution = inflight.get(key);
      if (!execution) {
        execution = limit(execute)
          .then((result) => {
            settled.set(key, result);
            return result;
          })
          .finally(() => inflight.delete(key));
        inflight.set(key, execution);
      }
      return execution;
    },
    /** One execution within the same bound, not shared. */
    limited: (execute: () => Promise<T>) => limit(execute),
    /** Shared executions queued or running now. */
    size: () => inflight.size,
  };
}
