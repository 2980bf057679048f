import { badInput } from "@fedplat/runtime";

/** A Relay connection as resolvers return it; `totalCount` runs its query only when selected. */
export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: () => Promise<number>;
}

export const MAX_PAGE_SIZE = 100;

/** Validates `first`: 0..MAX_PAGE_SIZE. */
export function pageSize(first: number | null | undefined, fallback: number): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw badInput(`"first" must be an integer between 0 and ${MAX_PAGE_SIZE}`, "first");
  }
  return size;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Cursors are opaque to clients: base64url of the row id. */
export function encodeCursor(id: string): string {
  return Buffer.from(id, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string | null | undefined): string | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (!isUuid(id)) throw badInput('"after" is not a valid cursor', "after");
  return id;
}

/**
 * Fetches one page with Prisma-style `findMany` arguments (`take: first + 1` tells whether a
 * next page exists) and wraps it as a connection.
 */
export async function paginate<T extends { id: string }>(
  args: { first: number | null | undefined; after: string | null | undefined; defaultFirst?: number },
  findPage: (page: { take: number; cursor?: { id: string }; skip?: number }) => Promise<T[]>,
  count: () => Promise<number>,
): Promise<Connection<T>> {
  const first = pageSize(args.first, args.defaultFirst ?? 20);
  const after = decodeCursor(args.after);
  const rows =
    first === 0 ? [] : await findPage({ take: first + 1, ...(after ? { cursor: { id: after }, skip: 1 } : {}) });
  const page = rows.slice(0, first);
  const last = page[page.length - 1];
  return {
    edges: page.map((node) => ({ cursor: encodeCursor(node.id), node })),
    pageInfo: { hasNextPage: rows.length > first, endCursor: last ? encodeCursor(last.id) : null },
    totalCount: count,
  };
}
