import { createByIdLoader, createLimitedGroupLoader } from "../src";

const a = "00000000-0000-4000-8000-00000000000a";
const b = "00000000-0000-4000-8000-00000000000b";

describe("loaders", () => {
  it("batches lookups into one call, keeps order, and never sends non-UUIDs", async () => {
    const calls: string[][] = [];
    const loader = createByIdLoader(async (ids) => {
      calls.push(ids);
      return ids.filter((id) => id === a).map((id) => ({ id }));
    });
    expect(await Promise.all([loader.load(b), loader.load("1 OR 1=1"), loader.load(a)])).toEqual([
      null,
      null,
      { id: a },
    ]);
    expect(calls).toEqual([[b, a]]);
  });

  it("groups per-parent lists by limit: one call per distinct limit", async () => {
    const calls: Array<[string[], number]> = [];
    const loader = createLimitedGroupLoader(
      async (parents, limit) => {
        calls.push([parents, limit]);
        return parents.flatMap((parent) => Array.from({ length: limit }, (_, i) => ({ parent, i })));
      },
      (row) => row.parent,
    );
    const [x, y, z] = await Promise.all([
      loader.load({ parentId: a, limit: 2 }),
      loader.load({ parentId: b, limit: 2 }),
      loader.load({ parentId: a, limit: 1 }),
    ]);
    expect(x).toHaveLength(2);
    expect(y?.every((row) => row.parent === b)).toBe(true);
    expect(z).toHaveLength(1);
    expect(calls).toEqual([
      [[a, b], 2],
      [[a], 1],
    ]);
  });
});
