import pLimit from "p-limit";

/**
 * Executions of events, bounded in number, and shared: subscribers whose executions have the same
 * key receive one update through one execution (a thousand tabs of one dashboard, or a thousand
 * staff viewers whose answer depends only on their role, cost one federated query per event).
 */
export function createSharedExecutions<T>(concurrency: number) {
  const limit = pLimit(concurrency);
  const inflight = new Map<string, Promise<T>>();
  return {
    run(key: string, execute: () => Promise<T>): Promise<T> {
      let execution = inflight.get(key);
      if (!execution) {
        execution = limit(execute).finally(() => inflight.delete(key));
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
