/**
 * LRUCache (lru-cache) options that keep at most `entries` entries, the least recently used going
 * first, like `max: entries`, on storage that grows as entries arrive. With `max`, lru-cache allocates
 * every slot up front (seven arrays of `max` elements with a TTL): the gateway's caches of 10,000 and
 * 50,000 entries held megabytes of empty slots in a process that had served nothing
 * (bench/results/memory.md). Counting each entry as 1 against `maxSize` bounds the count the same way
 * without the up-front allocation (lru-cache's documented alternative to `max`).
 */
export function lruBound(entries: number): { maxSize: number; sizeCalculation: () => number } {
  return { maxSize: entries, sizeCalculation: () => 1 };
}
