/** Anything that can run a parameterised raw query (every generated PrismaClient). */
export interface RawQuerySource {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export interface NewestPerParentOptions {
  /** Schema-qualified, quoted table name; a constant of the calling service, never user input. */
  table: string;
  /** Column holding the parent's UUID; a constant, never user input. */
  parentColumn: string;
  parentIds: string[];
  limit: number;
}

/**
 * Ids of the newest `limit` rows (created_at DESC, id DESC) of each parent, in one statement.
 * Prisma cannot limit per group, so a lateral join over the (parent, created_at, id) index does
 * it; callers then load the rows with a typed `findMany({ where: { id: { in } } })`.
 */
export async function newestIdsPerParent(db: RawQuerySource, options: NewestPerParentOptions): Promise<string[]> {
  if (!/^"\w+"\."\w+"$/.test(options.table) || !/^\w+$/.test(options.parentColumn))
    throw new Error("newestIdsPerParent: invalid identifier");
  const rows = await db.$queryRawUnsafe<Array<{ id: string }>>(
    `SELECT t.id::text AS id FROM unnest($1::uuid[]) AS p(id)
     CROSS JOIN LATERAL (
       SELECT id FROM ${options.table} WHERE ${options.parentColumn} = p.id ORDER BY created_at DESC, id DESC LIMIT $2
     ) t`,
    options.parentIds,
    options.limit,
  );
  return rows.map((row) => row.id);
}
