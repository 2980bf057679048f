import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { SupergraphSdlHook } from "@apollo/gateway";
import type { Logger } from "@fedplat/runtime";
import { Counter, Gauge, type Registry } from "prom-client";

/** Where a newer supergraph comes from while the gateway runs. */
export interface SupergraphUpdates {
  /** A file (a Kubernetes ConfigMap mount): re-read every intervalMs; a changed content is a new supergraph. */
  path?: string;
  /** A URL serving the supergraph SDL (a schema registry, an object store), polled with If-None-Match. */
  url?: string;
  /** How often the path or URL is looked at. */
  intervalMs: number;
}

export interface SupergraphState {
  sdl: string;
  /** sha256 of the SDL, first 16 hex digits: what /health/ready and gateway_supergraph_info show. */
  hash: string;
  loadedAt: string;
}

export interface SupergraphSource {
  /** For ApolloGateway's `supergraphSdl` option: Apollo swaps schema and query planner on each update. */
  hook: SupergraphSdlHook;
  current(): SupergraphState;
  /** Called after each applied update, with the new supergraph (features re-derive what they took from it). */
  onChange(listener: (state: SupergraphState) => void): void;
  report(): { supergraph: { hash: string; loadedAt: string; refused?: string } };
}

export const supergraphHash = (sdl: string) => createHash("sha256").update(sdl).digest("hex").slice(0, 16);

/**
 * The supergraph the gateway serves, and its updates without a restart. Written here rather than
 * taken from @apollo/gateway's IntrospectAndCompose/UplinkSupergraphManager: those compose from
 * live subgraphs or Apollo's registry, while this platform deploys a supergraph composed and
 * checked in CI (`npm run compose`, `schema:check`) as a file or URL.
 *
 * An update is applied atomically by Apollo Server: a request in flight finishes with the schema
 * and plans it started with; the next one gets the new ones. A supergraph Apollo cannot load is
 * refused, logged and counted, and the previous one keeps serving; the same content is not retried
 * until it changes.
 */
export function createSupergraphSource(options: {
  initialSdl: string;
  updates?: SupergraphUpdates;
  logger: Logger;
  registry: Registry;
}): SupergraphSource {
  const { logger, updates } = options;
  let state: SupergraphState = {
    sdl: options.initialSdl,
    hash: supergraphHash(options.initialSdl),
    loadedAt: new Date().toISOString(),
  };
  let refused: string | undefined;
  let etag: string | undefined;
  const listeners: ((state: SupergraphState) => void)[] = [];

  const info = new Gauge({
    name: "gateway_supergraph_info",
    help: "The supergraph being served (1), by the first 16 hex digits of its sha256",
    labelNames: ["hash"],
    registers: [options.registry],
  });
  const reloads = new Counter({
    name: "gateway_supergraph_reloads_total",
    help: "Supergraph updates seen while running, by outcome (applied or refused)",
    labelNames: ["outcome"],
    registers: [options.registry],
  });
  info.set({ hash: state.hash }, 1);

  /** The SDL at the path or URL, or undefined when it did not change (or cannot be read right now). */
  async function fetchLatest(): Promise<string | undefined> {
    if (updates?.path) return readFile(updates.path, "utf8");
    if (!updates?.url) return undefined;
    const response = await fetch(updates.url, {
      headers: etag ? { "if-none-match": etag } : {},
      signal: AbortSignal.timeout(Math.max(1_000, updates.intervalMs)),
    });
    if (response.status === 304) return undefined;
    if (!response.ok) throw new Error(`GET ${updates.url}: HTTP ${response.status}`);
    etag = response.headers.get("etag") ?? undefined;
    return response.text();
  }

  const hook: SupergraphSdlHook = async ({ update }) => {
    if (!updates || updates.intervalMs <= 0 || !(updates.path || updates.url)) return { supergraphSdl: state.sdl };
    let checking = false;
    const check = async () => {
      if (checking) return;
      checking = true;
      try {
        const sdl = await fetchLatest();
        if (sdl === undefined || !sdl.trim()) return; // an empty file: a ConfigMap being rewritten
        const hash = supergraphHash(sdl);
        if (hash === state.hash || hash === refused) return;
        try {
          update(sdl); // synchronous: builds the schema and query planner, throws when it cannot
        } catch (error) {
          refused = hash;
          reloads.inc({ outcome: "refused" });
          logger.error(
            { err: error, hash, serving: state.hash },
            "supergraph update refused; the previous one keeps serving",
          );
          return;
        }
        info.remove({ hash: state.hash });
        state = { sdl, hash, loadedAt: new Date().toISOString() };
        refused = undefined;
        info.set({ hash }, 1);
        reloads.inc({ outcome: "applied" });
        logger.info({ hash }, "supergraph updated");
        for (const listener of listeners) {
          try {
            listener(state);
          } catch (error) {
            logger.error({ err: error, hash }, "a feature failed to follow the supergraph update");
          }
        }
      } catch (error) {
        logger.warn({ err: error }, "supergraph source unreadable; the current one keeps serving");
      } finally {
        checking = false;
      }
    };
    const timer = setInterval(() => void check(), updates.intervalMs);
    timer.unref();
    return { supergraphSdl: state.sdl, cleanup: async () => clearInterval(timer) };
  };

  return {
    hook,
    current: () => state,
    onChange: (listener) => listeners.push(listener),
    report: () => ({
      supergraph: { hash: state.hash, loadedAt: state.loadedAt, ...(refused ? { refused } : {}) },
    }),
  };
}
