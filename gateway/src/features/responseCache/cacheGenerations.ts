import { randomUUID } from "node:crypto";
import { hasRole, type Viewer } from "@fedplat/auth";
import type { LiveUpdate } from "@fedplat/events";
import type { StringCache } from "./redisKeyValueCache";

/** How long a generation is remembered: longer than any PRIVATE max age, so an expired generation never revives old entries. */
const GENERATION_TTL_SECONDS = 24 * 60 * 60;

/** Whose generations a change renews. */
const ownerKey = (id: string) => `generation:${id}`;
const STAFF_KEY = "generation:staff";
const EVERYONE_KEY = "generation:all";

export interface CacheGenerations {
  /**
   * The generations of what `viewer` can read, as one string for its session id. A response is
   * stored under the generations current when its request started, so a change that lands while
   * it executes already makes it unreachable: no stale entry can outlive the renewal.
   */
  of(viewer: Viewer): Promise<string>;
  /** The viewer wrote something: renewed before their response is sent, so they read their own writes. */
  renewViewer(viewer: Viewer): Promise<void>;
  /** An entity changed (a live update): what its owner and every staff viewer can read. */
  changed(update: LiveUpdate): void;
  /** Changes may have been missed (the live-update subscription was down): every private entry. */
  changedEverything(): void;
}

/**
 * Private cache entries are keyed by generations kept in Redis, shared by every replica: a
 * customer's own (renewed by their mutations and by live updates of what they own, the only
 * private data the subgraphs' ownedBy rules let them read), staff's (renewed by every live
 * update: staff may read anyone's) and everyone's (renewed when live updates may have been lost).
 * Renewals from live updates are coalesced per event-loop turn: a burst of updates for one owner
 * costs one write.
 */
export function createCacheGenerations(
  cache: StringCache,
  /** Roles that read everyone's data (identity config staffRoles). */
  staffRoles: readonly string[],
): CacheGenerations {
  const renew = (key: string) => cache.set(key, randomUUID(), { ttl: GENERATION_TTL_SECONDS });
  const pending = new Set<string>();
  const flush = () => {
    const keys = [...pending];
    pending.clear();
    // The Redis cache logs its own failures; a renewal that is lost anyway leaves entries that the hint's max age still bounds.
    for (const key of keys) renew(key).catch(() => undefined);
  };
  const renewSoon = (key: string) => {
    if (pending.size === 0) setImmediate(flush);
    pending.add(key);
  };

  return {
    async of(viewer) {
      const keys = [ownerKey(viewer.id), ...(hasRole(viewer, ...staffRoles) ? [STAFF_KEY] : []), EVERYONE_KEY];
      const generations = await Promise.all(keys.map((key) => cache.get(key)));
      return generations.map((generation) => generation ?? "0").join(".");
    },
    renewViewer: (viewer) => renew(ownerKey(viewer.id)),
    changed(update) {
      renewSoon(ownerKey(update.ownerId));
      renewSoon(STAFF_KEY);
    },
    changedEverything: () => renewSoon(EVERYONE_KEY),
  };
}
