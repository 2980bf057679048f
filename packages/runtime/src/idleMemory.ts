import { performance } from "node:perf_hooks";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Logger } from "pino";
import { loadConfig, processSection } from "./config";
import { forgetOneShotModules } from "./oneShotModules";

export interface IdleMemoryOptions {
  /** How long the event loop must stay quiet before memory is given back. 0: never. @default IDLE_MEMORY_RELEASE_MS */
  idleMs?: number;
  /**
   * Event-loop utilisation (0-1) under which a check interval counts as quiet. An idle workers
   * process (BullMQ's blocking reads, the relay's and reconciler's ticks) measures 1-4%, too close
   * to 5% to be released reliably; a process under load is far above 10%. @default 0.1
   */
  quietUtilisation?: number;
  /** Heap committed beyond what is used, below which a collection is not worth it. @default 16 MiB */
  minReclaimableBytes?: number;
  logger?: Logger;
}

/** V8's collection options (`gc()` with --expose-gc); "last-resort" is the memory-pressure collection. */
type Collect = (options?: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

function exposedGc(): Collect {
  const existing = (globalThis as { gc?: Collect }).gc;
  if (existing) return existing;
  // How jest-leak-detector reaches gc() without a command-line flag: expose it, then read it from a fresh context.
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as Collect;
}

/** Heap committed but unused: what a compacting, shrinking collection can return. */
function reclaimableBytes(): number {
  return getHeapSpaceStatistics().reduce((sum, space) => sum + space.space_size - space.space_used_size, 0);
}

/**
 * Gives memory back to the system once a process has gone quiet. V8 grows the young generation
 * during start-up and bursts (64 MiB committed in a subgraph, 128 in the gateway, whatever little
 * lives in it) and shrinks it only in its memory reducer, which a process that is polled (health
 * probes, metrics scrapes, BullMQ's blocking reads) never reaches, so an idle process kept ~150-200
 * MiB. After `idleMs` of a quiet event loop this runs V8's last-resort collection once (the
 * memory-pressure path browsers use for background tabs: a full, compacting GC that also shrinks
 * the young generation) after dropping the modules only start-up needed (oneShotModules.ts), then
 * waits for the next busy spell before it may run again. Under load it
 * never runs, so throughput keeps the young generation V8 chose. Hand-written: no library exposes
 * this collection; it is a few lines around V8's own.
 * Returns a function that stops the checks.
 */
export function releaseMemoryWhenIdle(options: IdleMemoryOptions = {}): () => void {
  const {
    idleMs = loadConfig({ process: processSection }).process.idleMemoryReleaseMs,
    quietUtilisation = 0.1,
    minReclaimableBytes = 16 * 1024 * 1024,
    logger,
  } = options;
  if (idleMs <= 0) return () => undefined;
  const checkMs = Math.min(5_000, idleMs);
  let collect: Collect | undefined;
  let last = performance.eventLoopUtilization();
  let quietForMs = 0;
  let released = false;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const utilisation = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    if (utilisation >= quietUtilisation) {
      quietForMs = 0;
      released = false;
      return;
    }
    quietForMs += checkMs;
    if (released || quietForMs < idleMs) return;
    released = true;
    forgetOneShotModules();
    const reclaimable = reclaimableBytes();
    if (reclaimable < minReclaimableBytes) return;
    const rssBefore = process.memoryUsage.rss();
    const started = performance.now();
    collect ??= exposedGc();
    collect({ type: "major", execution: "sync", flavor: "last-resort" });
    logger?.debug(
      {
        rssBeforeMiB: Math.round(rssBefore / 2 ** 20),
        rssAfterMiB: Math.round(process.memoryUsage.rss() / 2 ** 20),
        pauseMs: Math.round(performance.now() - started),
      },
      "idle: heap memory given back",
    );
  }, checkMs);
  timer.unref();
  return () => clearInterval(timer);
}
