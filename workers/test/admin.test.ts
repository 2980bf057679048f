import { randomUUID } from "node:crypto";
import { createRedis, type Redis } from "@fedplat/common";
import { Queue } from "bullmq";
import { Redis as IORedis } from "ioredis";
import { buildWorkersAdmin, type WorkersAdmin } from "../src";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

describe("workers admin port", () => {
  const prefix = `test-${randomUUID()}`; // a fresh key prefix: nothing shared with other runs
  let redis: Redis;
  let admin: WorkersAdmin;
  let base: string;
  let queue: Queue;

  beforeAll(async () => {
    redis = createRedis(REDIS_URL, "workers-admin-test");
    queue = new Queue("events-orders", { connection: redis, prefix });
    admin = buildWorkersAdmin({ redis, queues: [queue] });
    base = `http://127.0.0.1:${await admin.listen(0, "127.0.0.1")}`;
  });
  afterAll(async () => {
    await admin?.close();
    await queue?.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis?.quit();
  });

  it("is ready when Redis answers", async () => {
    const response = await fetch(`${base}/health/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ready", checks: { redis: "ok" } });
  });

  it("exports the depth of each queue as a Prometheus gauge", async () => {
    await queue.add("order.placed", { n: 1 });
    await queue.add("order.placed", { n: 2 });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/bullmq_queue_jobs\{queue="events-orders",state="waiting",service="workers"\} 2/);
  });

  it("is not ready (503) when Redis does not answer", async () => {
    // Nothing listens on port 9; no retries, so no reconnect timers outlive the test.
    const unreachable = new IORedis("redis://127.0.0.1:9", { maxRetriesPerRequest: null, retryStrategy: () => null });
    unreachable.on("error", () => undefined);
    const isolated = buildWorkersAdmin({ redis: unreachable, queues: [] });
    const port = await isolated.listen(0, "127.0.0.1");
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(response.status).toBe(503);
      expect(((await response.json()) as { checks: { redis: string } }).checks.redis).toMatch(/^failing: /);
      expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
    } finally {
      await isolated.close();
      unreachable.disconnect();
    }
  });
});
