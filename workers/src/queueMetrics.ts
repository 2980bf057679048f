import type { Queue } from "bullmq";
import { Gauge, type Registry } from "prom-client";

/**
 * `bullmq_queue_oldest_waiting_seconds{queue}`: how long the oldest waiting job has waited, read
 * from Redis at scrape time. Depth says how much is queued; age says whether consumers keep up.
 */
export function registerQueueAgeMetric(registry: Registry, queues: Queue[]): void {
  new Gauge({
    name: "bullmq_queue_oldest_waiting_seconds",
    help: "Age of the oldest waiting job per queue (0 when none waits)",
    labelNames: ["queue"] as const,
    registers: [registry],
    async collect() {
      const now = Date.now();
      await Promise.all(
        queues.map(async (queue) => {
          const [oldest] = await queue.getJobs(["wait"], 0, 0, true);
          this.set({ queue: queue.name }, oldest ? Math.max(0, (now - oldest.timestamp) / 1000) : 0);
        }),
      );
    },
  });
}
