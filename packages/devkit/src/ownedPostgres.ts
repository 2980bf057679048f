import { execFile } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./ports";
import type { TestDatabase } from "./testDatabase";

const run = promisify(execFile);
const BIN = "/usr/lib/postgresql/15/bin";

/** A PostgreSQL server of a test's own (ENVIRONMENT.md §9), which it may stop and start; never the shared one. */
export interface OwnedPostgres {
  port: number;
  /** The copy of the test template on this server, as a TestDatabase for startTestSubgraph and the workers. */
  database: TestDatabase;
  /** `pg_ctl stop -m immediate`: every backend killed at once, as in a crash. */
  crash(): Promise<void>;
  /** Starts it again (recovery included); resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stops it and deletes its files. */
  destroy(): Promise<void>;
}

async function asPostgres(command: string, args: string[]): Promise<void> {
  await run("runuser", ["-u", "postgres", "--", join(BIN, command), ...args], { timeout: 120_000 });
}

/**
 * initdb in a temporary directory owned by the postgres user, started on a spare port, with a
 * copy of the shared server's test template (TEST_DATABASE_TEMPLATE, built by setup --test)
 * restored into it: migrated and seeded like every test database. fsync is off (only the server
 * process dies in these tests, never the machine: the OS keeps what it was given), to spare the
 * shared machine's disk; synchronous_commit stays on, so a committed transaction survives.
 */
export async function startOwnedPostgres(): Promise<OwnedPostgres> {
  const dir = await mkdtemp(join(tmpdir(), "fedplat-pg-"));
  const { stdout: uid } = await run("id", ["-u", "postgres"]);
  const { stdout: gid } = await run("id", ["-g", "postgres"]);
  await chown(dir, Number(uid), Number(gid));
  const data = join(dir, "data");
  const port = await freePort();
  await asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const start = () =>
    asPostgres("pg_ctl", [
      "-D",
      data,
      "-w",
      "-t",
      "60",
      "-l",
      join(dir, "log"),
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`,
      "start",
    ]);
  await start();

  const shared = new URL(process.env.DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/fedplat");
  shared.pathname = `/${process.env.TEST_DATABASE_TEMPLATE ?? "fedplat_test_template"}`;
  shared.search = "";
  const dump = join(dir, "template.dump");
  await run(join(BIN, "pg_dump"), ["-Fc", "-f", dump, shared.toString()], { timeout: 120_000 });
  const name = "fedplat_owned";
  const url = `postgresql://postgres:postgres@127.0.0.1:${port}/${name}`;
  await run(join(BIN, "createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", name]);
  await run(join(BIN, "pg_restore"), ["--no-owner", "--exit-on-error", "-d", url, dump], { timeout: 120_000 });

  const stop = (mode: "immediate" | "fast") => asPostgres("pg_ctl", ["-D", data, "-m", mode, "-w", "stop"]);
  return {
    port,
    database: { url, name, drop: async () => undefined },
    crash: () => stop("immediate"),
    start,
    destroy: async () => {
      await stop("immediate").catch(() => undefined); // already stopped
      await rm(dir, { recursive: true, force: true });
    },
  };
}
