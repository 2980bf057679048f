import { randomBytes } from "node:crypto";
import pg from "pg";

export interface TestDatabase {
  /** postgresql:// URL of a private, migrated and seeded copy of the template. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

function adminUrl(base: string): string {
  const u = new URL(base);
  u.pathname = "/postgres";
  u.search = "";
  return u.toString();
}

/**
 * A database of one's own for a test file: `CREATE DATABASE ... TEMPLATE` copies the template
 * that `npm test` (scripts/setup.mjs --test) migrated and seeded, in well under a second.
 */
export async function createTestDatabase(
  base: string = process.env.DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/fedplat",
  template: string = process.env.TEST_DATABASE_TEMPLATE ?? "fedplat_test_template",
): Promise<TestDatabase> {
  const name = `fedplat_t_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl(base) });
  await admin.connect();
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [template]);
    if (!rowCount)
      throw new Error(
        `Test template database "${template}" is missing: run \`npm test\` (or \`node scripts/setup.mjs --test\`) first.`,
      );
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await admin.end();
  }
  const u = new URL(base);
  u.pathname = `/${name}`;
  u.search = "";
  return {
    url: u.toString(),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl(base) });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
