import { LRUCache } from "lru-cache";
import { lruBound } from "../src";

describe("lruBound (LRU caches that grow as entries arrive)", () => {
  it("keeps at most that many entries, dropping the least recently used first, like max", () => {
    const bounded = new LRUCache<string, number>(lruBound(3));
    const withMax = new LRUCache<string, number>({ max: 3 });
    for (const cache of [bounded, withMax]) {
      for (const key of ["a", "b", "c"]) cache.set(key, key.charCodeAt(0));
      cache.get("a"); // "b" is now the least recently used
      cache.set("d", 100);
      cache.set("e", 101);
    }
    expect([...bounded.keys()]).toEqual([...withMax.keys()]);
    expect([...bounded.keys()].sort()).toEqual(["a", "d", "e"]);
    expect(bounded.size).toBe(3);
  });

  it("expires entries after their ttl", () => {
    let now = 1_000;
    const cache = new LRUCache<string, string>({
      ...lruBound(10),
      ttl: 50,
      ttlResolution: 0,
      perf: { now: () => now },
    });
    cache.set("token", "viewer");
    now += 49;
    expect(cache.get("token")).toBe("viewer");
    now += 2;
    expect(cache.get("token")).toBeUndefined();
  });

  it("holds many entries, evicting one for each beyond the bound", () => {
    const cache = new LRUCache<number, number>(lruBound(50_000));
    for (let i = 0; i < 60_000; i++) cache.set(i, i);
    expect(cache.size).toBe(50_000);
    expect(cache.has(9_999)).toBe(false);
    expect(cache.get(10_000)).toBe(10_000);
  });
});
