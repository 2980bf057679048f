import http from "node:http";
import { createMetrics, type HealthState, healthRouter, listenOn, metricsHandler, type Redis, type ServiceMetrics } from "@fedplat/common";
import type { Queue } from "bullmq";
import express from "express";
import { Gauge } from "prom-client";

export interface WorkersAdminOptions {
  redis: Redis;
  /** Queues whose depth is exported (the dead letters included). */
  queues: Queue[];
  metrics?: ServiceMetrics;
}

export interface WorkersAdmin {
  app: express.Express;
  metrics: ServiceMetrics;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

const JOB_STATES = ["waiting", "active", "delayed", "failed", "completed"] as const;

/** The workers' admin port: health (Redis answers), metrics with job counts per queue and state. */
export function buildWorkersAdmin(options: WorkersAdminOptions): WorkersAdmin {
  const metrics = options.metrics ?? createMetrics("workers");
  new Gauge({
    name: "bullmq_queue_jobs",
    help: "Jobs per queue and state, read from Redis at scrape time (dead-letters waiting = the dead-letter count)",
    labelNames: ["queue", "state"] as const,
    registers: [metrics.registry],
    async collect() {
      for (const queue of options.queues) {
        const counts = await queue.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }
    },
  });

  const app = express();
  app.disable("x-powered-by");
  const health: HealthState = { draining: false };
  app.use(healthRouter({ redis: () => options.redis.ping() }, health));
  app.get("/metrics", metricsHandler(metrics.registry));
  const httpServer = http.createServer(app);

  return {
    app,
    metrics,
    listen: listenOn(httpServer),
    close: async () => {
      health.draining = true;
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
