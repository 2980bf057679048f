import type { ExecutionResult } from "graphql";
import pLimit from "p-limit";

/**
 * Executions of events, bounded in number, and shared: subscribers with the same document,
 * variables and identity receive one update through one execution (a thousand tabs of one
 * dashboard cost one federated query per event, not a thousand).
 */
export function createSharedExecutions(concurrency: number) {
  const limit = pLimit(concurrency);
  const inflight = new Map<string, Promise<ExecutionResult>>();
  return {
    run(key: string, execute: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
      let execution = inflight.get(key);
      if (!execution) {
        execution = limit(execute).finally(() => inflight.delete(key));
        inflight.set(key, execution);
      }
      return execution;
    },
    /** One execution within the same bound, not shared. */
    limited: (execute: () => Promise<ExecutionResult>) => limit(execute),
    /** Shared executions queued or running now. */
    size: () => inflight.size,
  };
}
