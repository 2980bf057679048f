import type { Logger, Redis } from "@fedplat/runtime";
import { type LiveUpdate, parseLiveUpdate } from "@fedplat/events";
import { updateKeys } from "./liveFields";

export type LiveUpdateListener = (update: LiveUpdate, sequence: number) => void;

export interface LiveUpdateHub {
  /** Calls `listener` with every update delivered to `key`; returns the function that stops it. */
  listen(key: string, listener: LiveUpdateListener): () => void;
  /** Calls `listener` with every update, whatever its keys (the response cache's invalidation); returns the function that stops it. */
  listenAll(listener: LiveUpdateListener): () => void;
  /**
   * Calls `listener` each time the subscription becomes active: at start and after every
   * reconnect. Updates published while it was down were missed: whoever keeps state derived
   * from them must assume anything changed.
   */
  onSubscribed(listener: () => void): () => void;
  /** Listeners registered now (a leak shows here). */
  listenerCount(): number;
  /** Resolves when the Redis subscription is active (readiness). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One Redis subscriber connection per gateway replica, whatever the number of clients: updates
 * fan out in-process to the listeners of their keys (an entity's id, its owner), so dispatching
 * one update costs two map look-ups, not a scan of every subscription.
 */
export function createLiveUpdateHub(options: {
  redis: Redis;
  channel: string;
  logger: Logger /** @default "fedplat-gateway-live" */;
  connectionName?: string;
}): LiveUpdateHub {
  const listeners = new Map<string, Set<LiveUpdateListener>>();
  const everyUpdate = new Set<LiveUpdateListener>();
  const subscribedListeners = new Set<() => void>();
  let count = 0;
  let sequence = 0;
  // A connection in subscriber mode can run nothing else: it gets its own.
  const subscriber = options.redis.duplicate({ connectionName: options.connectionName ?? "fedplat-gateway-live" });
  subscriber.on("error", (error) => options.logger.warn({ err: error }, "live updates: redis connection error"));
  let subscribed = false;
  const subscribe = () =>
    subscriber.subscribe(options.channel).then(
      () => {
        subscribed = true;
        for (const listener of subscribedListeners) listener();
      },
      (error: unknown) => options.logger.warn({ err: error }, "live updates: cannot subscribe yet"),
    );
  const subscribing = subscribe();
  // ioredis re-subscribes by itself after a reconnect, but says nothing when that is done: this
  // second SUBSCRIBE (a no-op for Redis) resolves once it is, so onSubscribed listeners learn of the gap.
  let connections = 0;
  subscriber.on("ready", () => {
    connections += 1;
    if (connections > 1 || !subscribed) void subscribe();
  });
  subscriber.on("message", (channel: string, message: string) => {
    if (channel !== options.channel) return;
    const update = parseLiveUpdate(message);
    if (!update) return void options.logger.warn("live updates: ignored a message that is not a live update");
    sequence += 1;
    for (const listener of everyUpdate) listener(update, sequence);
    for (const key of updateKeys(update)) {
      const set = listeners.get(key);
      if (set) for (const listener of set) listener(update, sequence);
    }
  });

  return {
    listen(key, listener) {
      let set = listeners.get(key);
      if (!set) {
        set = new Set();
        listeners.set(key, set);
      }
      set.add(listener);
      count += 1;
      let listening = true;
      return () => {
        if (!listening) return;
        listening = false;
        count -= 1;
        set.delete(listener);
        if (set.size === 0 && listeners.get(key) === set) listeners.delete(key);
      };
    },
    listenAll(listener) {
      everyUpdate.add(listener);
      return () => void everyUpdate.delete(listener);
    },
    onSubscribed(listener) {
      subscribedListeners.add(listener);
      return () => void subscribedListeners.delete(listener);
    },
    listenerCount: () => count,
    ready: async () => {
      await subscribing;
      if (!subscribed || subscriber.status !== "ready") throw new Error("not subscribed to live updates");
    },
    close: async () => {
      listeners.clear();
      everyUpdate.clear();
      subscribedListeners.clear();
      count = 0;
      subscriber.disconnect();
    },
  };
}
