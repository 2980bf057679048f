import { decodeCursor, encodeCursor, paginate, pageSize } from "../src";

const ids = Array.from({ length: 5 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`);

describe("Relay connections", () => {
  it("round-trips cursors and rejects ones it did not make", () => {
    expect(decodeCursor(encodeCursor(ids[0] ?? ""))).toBe(ids[0]);
    expect(decodeCursor(null)).toBeUndefined();
    expect(() => decodeCursor("Zm9v")).toThrow('"after" is not a valid cursor');
  });

  it("bounds page sizes", () => {
    expect(pageSize(undefined, 20)).toBe(20);
    expect(pageSize(0, 20)).toBe(0);
    expect(() => pageSize(101, 20)).toThrow(/between 0 and 100/);
    expect(() => pageSize(-1, 20)).toThrow(/between 0 and 100/);
  });

  it("fetches first + 1 rows to know whether another page exists, and counts lazily", async () => {
    const rows = ids.map((id) => ({ id }));
    const takes: number[] = [];
    let counted = 0;
    const connection = await paginate(
      { first: 2, after: encodeCursor(ids[0] ?? "") },
      async (page) => {
        takes.push(page.take);
        expect(page).toEqual({ take: 3, cursor: { id: ids[0] }, skip: 1 });
        return rows.slice(1, 4);
      },
      async () => ++counted,
    );
    expect(connection.edges.map((edge) => edge.node.id)).toEqual([ids[1], ids[2]]);
    expect(connection.pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor(ids[2] ?? "") });
    expect(counted).toBe(0);
    expect(await connection.totalCount()).toBe(1);
  });

  it("asks the database nothing for first: 0", async () => {
    const connection = await paginate(
      { first: 0, after: null },
      async () => {
        throw new Error("must not query");
      },
      async () => 0,
    );
    expect(connection).toMatchObject({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });
});
