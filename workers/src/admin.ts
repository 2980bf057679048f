import http from "node:http";
import { createMetrics, type HealthState, healthRouter, listenOn, metricsHandler, type Redis } from "@fedplat/common";
import { Queue } from "bullmq";
import express from "express";
import { Gauge } from "prom-client";

export interface WorkersAdminOptions {
  redis: Redis;
  queueNames: string[];
  /** BullMQ key prefix. @default "bull" */
  prefix?: string;
}

export interface WorkersAdmin {
  app: express.Express;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

const JOB_STATES = ["waiting", "active", "delayed", "failed", "completed"] as const;

/** The workers' admin port: health (Redis answers), metrics with job counts per queue and state. */
export function buildWorkersAdmin(options: WorkersAdminOptions): WorkersAdmin {
  const metrics = createMetrics("workers");
  const queues = options.queueNames.map((name) => new Queue(name, { connection: options.redis, prefix: options.prefix }));
  new Gauge({
    name: "bullmq_queue_jobs",
    help: "Jobs per queue and state, read from Redis at scrape time",
    labelNames: ["queue", "state"] as const,
    registers: [metrics.registry],
    async collect() {
      for (const queue of queues) {
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
    listen: listenOn(httpServer),
    close: async () => {
      health.draining = true;
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await Promise.all(queues.map((queue) => queue.close()));
    },
  };
}
