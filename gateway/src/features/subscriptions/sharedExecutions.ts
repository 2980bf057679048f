import pLimit from "p-limit";
import { DeferredEvent, type EventResult } from "./deferredEvent";

/**
 * Executions of events, bounded in number, and shared: subscribers with the same document,
 * variables and identity receive one update through one execution (a thousand tabs of one
 * dashboard cost one federated query per event, not a thousand). An execution with deferred
 * parts (DeferredEvent) is shared whole, every subscriber replaying its parts, and keeps its
 * place in the bound until its last part: deferred fetches are federated work too.
 */
export function createSharedExecutions(concurrency: number) {
  const limit = pLimit(concurrency);
  const inflight = new Map<string, Promise<EventResult>>();
  /** Runs within the bound; resolves with the first part, holds the bound until the last. */
  const bounded = (execute: () => Promise<EventResult>, done?: () => void) =>
    new Promise<EventResult>((resolve, reject) => {
      void limit(async () => {
        const result = await execute();
        resolve(result);
        if (result instanceof DeferredEvent) await result.finished;
      })
        .catch(reject)
        .finally(done);
    });
  return {
    run(key: string, execute: () => Promise<EventResult>): Promise<EventResult> {
      let execution = inflight.get(key);
      if (!execution) {
        execution = bounded(execute, () => inflight.delete(key));
        inflight.set(key, execution);
      }
      return execution;
    },
    /** One execution within the same bound, not shared. */
    limited: (execute: () => Promise<EventResult>) => bounded(execute),
    /** Shared executions queued or running now. */
    size: () => inflight.size,
  };
}
