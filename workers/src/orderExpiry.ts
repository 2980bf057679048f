import type { Logger, Redis } from "@fedplat/runtime";
import type { LiveUpdatePublisher } from "@fedplat/events";
import type { OrdersPrisma } from "@fedplat/orders";
import { expirePendingOrders } from "@fedplat/orders/workers";
import { Queue, Worker } from "bullmq";

export const ORDER_EXPIRY_QUEUE = "order-expiry";
const EXPIRE_JOB = "expire-pending-orders";

export interface OrderExpiryOptions {
  /** An order still PENDING this long after it was placed is cancelled (ORDER_PENDING_DEADLINE_MS). */
  deadlineMs: number;
  /** How often one of the worker processes looks for them; 0 turns the watchdog off. */
  intervalMs: number;
}

export interface OrderExpiry {
  queue: Queue;
  close(): Promise<void>;
}

/**
 * The watchdog of stalled sagas: every `intervalMs`, orders PENDING past their deadline are
 * cancelled (see expirePendingOrders), as a BullMQ job scheduler like retention's pruning: each
 * worker process upserts the same scheduler, so however many run, one pass runs per interval, and
 * a failed pass (the database down) is retried by the next one. Its own queue: the maintenance
 * queue's worker runs every job it takes as a prune.
 */
export function startOrderExpiry(
  options: OrderExpiryOptions & {
    redis: Redis;
    prefix: string;
    orders: OrdersPrisma;
    live?: LiveUpdatePublisher;
    logger: Logger;
    onExpired?: (count: number) => void;
  },
): OrderExpiry {
  const queue = new Queue(ORDER_EXPIRY_QUEUE, { connection: options.redis, prefix: options.prefix });
  queue.on("error", (error) => options.logger.debug({ err: error }, "order expiry queue connection error"));
  queue
    .upsertJobScheduler(
      EXPIRE_JOB,
      { every: options.intervalMs },
      { name: EXPIRE_JOB, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    )
    .catch((error: unknown) =>
      options.logger.warn({ err: error }, "could not schedule the pending-order watchdog (retried at the next start)"),
    );
  const worker = new Worker(
    ORDER_EXPIRY_QUEUE,
    async () => {
      const cancelled = await expirePendingOrders(options.orders, {
        deadlineMs: options.deadlineMs,
        live: options.live,
      });
      if (cancelled.length > 0) {
        options.onExpired?.(cancelled.length);
        options.logger.warn(
          { count: cancelled.length, orderIds: cancelled.slice(0, 20), deadlineMs: options.deadlineMs },
          "cancelled orders still pending past their deadline (a saga stalled)",
        );
      }
      return cancelled.length;
    },
    { connection: options.redis, prefix: options.prefix, concurrency: 1 },
  );
  worker.on("error", (error) => options.logger.error({ err: error }, "order expiry worker error"));
  worker.on("failed", (_job, error) =>
    options.logger.warn({ err: error }, "expiring pending orders failed; the next run retries"),
  );
  return {
    queue,
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
}
