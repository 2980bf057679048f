import DataLoader from "dataloader";
import { isUuid } from "./connection";

/**
 * Batches lookups by a unique UUID column into one `WHERE key IN (...)` per tick. Keys that are
 * not UUIDs resolve to null without reaching PostgreSQL (which would reject the cast).
 */
export function createUniqueLoader<T>(
  fetch: (keys: string[]) => Promise<T[]>,
  keyOf: (row: T) => string,
): DataLoader<string, T | null> {
  return new DataLoader(async (keys) => {
    const valid = keys.filter(isUuid);
    const rows = valid.length ? await fetch([...new Set(valid)]) : [];
    const byKey = new Map(rows.map((row) => [keyOf(row), row]));
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/** createUniqueLoader on the primary key. */
export function createByIdLoader<T extends { id: string }>(
  fetch: (ids: string[]) => Promise<T[]>,
): DataLoader<string, T | null> {
  return createUniqueLoader(fetch, (row) => row.id);
}

/** Batches one-to-many lookups (order id -> lines) into one query per tick. */
export function createGroupLoader<K extends string, T>(
  fetch: (keys: K[]) => Promise<T[]>,
  keyOf: (row: T) => K,
): DataLoader<K, T[]> {
  return new DataLoader(async (keys) => {
    const rows = await fetch([...new Set(keys)]);
    const groups = new Map<K, T[]>();
    for (const row of rows) {
      const key = keyOf(row);
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    return keys.map((key) => groups.get(key) ?? []);
  });
}

/**
 * Batches "the newest N children of each parent" (User.orders(first: N)): keys carrying the
 * same limit share one windowed query, so a page of users costs one statement, not one each.
 */
export function createLimitedGroupLoader<T>(
  fetch: (parentIds: string[], limit: number) => Promise<T[]>,
  parentOf: (row: T) => string,
): DataLoader<{ parentId: string; limit: number }, T[], string> {
  return new DataLoader(
    async (keys) => {
      const byLimit = new Map<number, string[]>();
      for (const { parentId, limit } of keys) {
        if (!isUuid(parentId) || limit === 0) continue;
        byLimit.set(limit, [...(byLimit.get(limit) ?? []), parentId]);
      }
      const results = new Map<string, T[]>();
      await Promise.all(
        [...byLimit].map(async ([limit, parentIds]) => {
          for (const row of await fetch([...new Set(parentIds)], limit)) {
            const key = `${parentOf(row)}:${limit}`;
            results.set(key, [...(results.get(key) ?? []), row]);
          }
        }),
      );
      return keys.map(({ parentId, limit }) => results.get(`${parentId}:${limit}`) ?? []);
    },
    { cacheKeyFn: ({ parentId, limit }) => `${parentId}:${limit}` },
  );
}
