/**
 * `npm run db:migration -- <service> <name>`: writes the migration that takes a service's database
 * from its migrations so far to its edited prisma/<service>/schema.prisma (`prisma migrate dev
 * --create-only` on a temporary shadow database); nothing is applied (`npm run db:migrate` does).
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@fedplat/devkit";
import { DATABASE_SERVICES } from "@fedplat/registry";
import { environment, exitWithUsageError, parseCommandLine } from "@fedplat/runtime";

const USAGE = `usage: npm run db:migration -- <service> <name>

Writes prisma/<service>/migrations/<timestamp>_<name>/migration.sql from the change to the
service's schema.prisma; review it, then \`npm run db:migrate\` applies it.

services: ${DATABASE_SERVICES.map((service) => service.name).join(", ")}
name: lower case letters, digits and _ (e.g. add_product_subtitle)`;

const { positionals } = parseCommandLine({ usage: USAGE, allowPositionals: true });
const [serviceName, name, ...extra] = positionals;
const service = DATABASE_SERVICES.find((candidate) => candidate.name === serviceName);
if (!serviceName || !name || extra.length) exitWithUsageError(USAGE, "a service and a name are needed");
if (!service?.database) exitWithUsageError(USAGE, `unknown service "${serviceName}"`);
if (!/^[a-z][a-z0-9_]{0,62}$/.test(name ?? "")) exitWithUsageError(USAGE, `"${name}" is not a migration name`);

const folder = join(repoRoot, service.database.prisma);
const migrations = join(folder, "migrations");
const lockFile = join(migrations, "migration_lock.toml");
const before = new Set(readdirSync(migrations));
const lock = readFileSync(lockFile, "utf8");
const result = spawnSync(
  "npx",
  [
    "--no-install",
    "prisma",
    "migrate",
    "dev",
    "--create-only",
    "--name",
    name ?? "",
    "--config",
    join(folder, "prisma.config.ts"),
  ],
  { cwd: repoRoot, env: environment(), encoding: "utf8" },
);
// The CLI rewrites the lock file with a comment header: keep the committed one.
writeFileSync(lockFile, lock);
const created = readdirSync(migrations).filter((entry) => !before.has(entry));
// With nothing to change, the CLI still writes an empty migration: not one to keep.
const empty = created.filter(
  (entry) => readFileSync(join(migrations, entry, "migration.sql"), "utf8").trim() === "-- This is an empty migration.",
);
for (const entry of empty) rmSync(join(migrations, entry), { recursive: true });
if (created.length > 0 && empty.length === created.length) {
  console.log(`${service.name}: schema.prisma matches its migrations; nothing to write.`);
  process.exit(0);
}
if (created.length > 0) {
  // Prisma's JS engine (ENVIRONMENT.md) may fail while shutting down after the file is written
  // ("null pointer passed to rust"): the migration exists, which is what was asked.
  for (const entry of created)
    console.log(`Wrote ${join(service.database.prisma, "migrations", entry, "migration.sql")}`);
  process.exit(0);
}
const output = `${result.stdout}\n${result.stderr}`;
if (/already in sync/i.test(output)) {
  console.log(`${service.name}: schema.prisma matches its migrations; nothing to write.`);
  process.exit(0);
}
console.error(output.trim());
process.exit(1);
