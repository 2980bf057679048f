#!/usr/bin/env node
// Prepares a checkout to run or test, idempotently and fast when nothing changed:
// install -> .env -> PostgreSQL/Redis reachable -> Prisma clients + supergraph (turbo, cached)
// -> migrations -> seed when empty; with --test also the template database tests clone.
// Plain Node on purpose: it runs before any dependency is installed.
import { spawnSync } from "node:child_process";
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { Socket } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// The service registry; @fedplat/registry validates it (this runs before dependencies exist).
const REGISTRY = JSON.parse(readFileSync(join(root, "services.json"), "utf8"));
/** Services with a database schema: migrated, seeded, part of the test template. */
const DATABASES = REGISTRY.services
  .filter((service) => service.database)
  .map((service) => ({ name: service.name, ...service.database }));
const SERVICES = DATABASES.map((service) => service.name);
const databaseOf = (name) => DATABASES.find((service) => service.name === name);
/** `<NAME>_DATABASE_URL`, the registry's rule (packages/registry/src/derive.ts). */
const databaseUrlVar = (name) => `${name.toUpperCase()}_DATABASE_URL`;
const USAGE = `usage: node scripts/setup.mjs [options]   (npm run setup)

Installs dependencies when a manifest changed, writes local secrets to .env, checks PostgreSQL and
Redis, generates code, migrates and seeds.

options:
  --test             also build the template database the tests clone
  --migrate-only     install and migrate; no generate, no seed
  --frozen-lockfile  install with \`npm ci\` (never rewrite package-lock.json); the default when CI is set
  -h, --help         print this text`;
const args = (() => {
  try {
    return parseArgs({
      options: {
        test: { type: "boolean" },
        "migrate-only": { type: "boolean" },
        "frozen-lockfile": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
})();
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
/** CI installs exactly the lockfile, so a lockfile that `npm ci` rejects cannot land (.ci/run sets CI). */
const frozenLockfile = args["frozen-lockfile"] || !["", "0", "false", undefined].includes(process.env.CI);
const started = Date.now();

function step(message) {
  console.log(`\u001b[36m[setup]\u001b[0m ${message}`);
}

function fail(message) {
  console.error(`\n\u001b[31m[setup] ${message}\u001b[0m\n`);
  process.exit(1);
}

function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, {
    cwd: root,
    stdio: options.quiet ? "pipe" : "inherit",
    env: { ...process.env, ...options.env },
    encoding: "utf8",
  });
  if (result.status !== 0) {
    if (options.quiet) process.stderr.write(`${result.stdout ?? ""}${result.stderr ?? ""}`);
    fail(`${options.what ?? `${command} ${commandArgs.join(" ")}`} failed (exit ${result.status ?? result.signal})`);
  }
  return result;
}

function hashFiles(files) {
  const hash = createHash("sha256");
  for (const file of files)
    hash.update(file).update(existsSync(join(root, file)) ? readFileSync(join(root, file)) : "");
  return hash.digest("hex");
}

/** The lockfile and every package.json of the root's workspaces ("dir" or "group/*"). */
function workspaceManifests() {
  const { workspaces } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const folders = workspaces.flatMap((pattern) =>
    pattern.endsWith("/*")
      ? readdirSync(join(root, pattern.slice(0, -2)))
          .sort()
          .map((name) => `${pattern.slice(0, -2)}/${name}`)
      : [pattern],
  );
  return ["package.json", "package-lock.json", ...folders.map((folder) => `${folder}/package.json`)];
}

// 1. Dependencies: reinstall only when a manifest or the lockfile changed. The stamp records the
// manifests' hash and how they were installed: in CI only an `npm ci` of exactly these files counts.
function ensureInstalled() {
  const stamp = join(root, "node_modules", ".fedplat-install");
  const want = hashFiles(workspaceManifests());
  const installed = existsSync(stamp) ? readFileSync(stamp, "utf8") : "";
  if (installed === `ci:${want}` || (!frozenLockfile && installed === want)) return;
  if (frozenLockfile) {
    step("installing the lockfile exactly (npm ci)");
    run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
      what: "npm ci (package-lock.json out of sync with a package.json? see docs/dependencies.md)",
    });
    writeFileSync(stamp, `ci:${want}`);
    return;
  }
  step(
    existsSync(join(root, "node_modules"))
      ? "dependencies changed: npm install"
      : "installing dependencies (npm install)",
  );
  // A developer's install may update package-lock.json after a package.json edit; CI then
  // checks the committed result with `npm ci` and `npm run lint:lockfile`.
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { what: "npm install" });
  writeFileSync(stamp, hashFiles(workspaceManifests())); // npm install may have rewritten the lockfile
}

// 2. Local secrets: generated into .env (gitignored), never in code. JWT_SECRET signs client
// access tokens; GATEWAY_SIGNING_KEY (Ed25519, private: the gateway only) signs the identity the
// gateway sends subgraphs, which verify it with GATEWAY_VERIFY_KEYS (public); orders signs its
// price reads from catalog with ORDERS_SERVICE_KEY (catalog holds ORDERS_SERVICE_VERIFY_KEYS);
// the PII key encrypts phone numbers and addresses at rest, EVENT_PII_KEYS the personal fields of
// events (accounts seals them, the workers' notifications handler opens them). EVENT_SIGNING_KEYS sign each producer's events
// (docs/security.md): HMAC per producer (Ed25519 is supported per key, at ~30x the CPU); locally
// every process shares .env, so each holds all of them (in k8s each gets only its own).
const PRODUCERS = REGISTRY.services.filter((service) => service.produces.length > 0).map((service) => service.name);
const signingKeyOf = (producer) => `${producer}:${producer.slice(0, 3)}-1:hmac:${randomBytes(32).toString("base64")}`;
const eventSigningKeys = () => PRODUCERS.map(signingKeyOf).join(",");
/** .env's EVENT_SIGNING_KEYS with a key for each producer it lacks (a service added since, e.g. by `npm run new:service`). */
function withNewProducerKeys(text) {
  return text.replace(/^EVENT_SIGNING_KEYS=(.*)$/m, (line, keys) => {
    const present = new Set(keys.split(",").map((key) => key.split(":")[0]));
    const missing = PRODUCERS.filter((producer) => !present.has(producer));
    if (missing.length === 0) return line;
    step(`added event signing keys for ${missing.join(", ")} to .env`);
    return `EVENT_SIGNING_KEYS=${[keys, ...missing.map(signingKeyOf)].filter(Boolean).join(",")}`;
  });
}
const SECRETS = {
  EVENT_SIGNING_KEYS: eventSigningKeys,
  JWT_SECRET: () => randomBytes(32).toString("hex"),
  PII_ENCRYPTION_KEYS: () => `k1:${randomBytes(32).toString("base64")}`,
  PII_ACTIVE_KEY_ID: () => "k1",
  EVENT_PII_KEYS: () => `e1:${randomBytes(32).toString("base64")}`,
  EVENT_PII_ACTIVE_KEY_ID: () => "e1",
};
/** Key pairs, each written as [private JWK variable, public JWK list variable], generated together. */
const KEY_PAIRS = [
  ["GATEWAY_SIGNING_KEY", "GATEWAY_VERIFY_KEYS", "gateway"],
  ["ORDERS_SERVICE_KEY", "ORDERS_SERVICE_VERIFY_KEYS", "orders"],
];
/** An Ed25519 key pair as JWKs with a dated kid: the private key, and a one-key public list. */
function keyPair(name) {
  const kid = `${name}-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString("hex")}`;
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return [
    JSON.stringify({ ...privateKey.export({ format: "jwk" }), kid }),
    JSON.stringify([{ ...publicKey.export({ format: "jwk" }), kid }]),
  ];
}
function ensureEnvFile() {
  const file = join(root, ".env");
  const existing = existsSync(file) ? readFileSync(file, "utf8") : undefined;
  const current =
    existing === undefined ? "# Written by npm run setup; local only (gitignored).\n" : withNewProducerKeys(existing);
  if (existing !== undefined && current !== existing) writeFileSync(file, current);
  const has = (name) => new RegExp(`^${name}=`, "m").test(current);
  const generated = Object.fromEntries(
    Object.keys(SECRETS)
      .filter((name) => !has(name))
      .map((name) => [name, SECRETS[name]()]),
  );
  for (const [privateVar, publicVar, name] of KEY_PAIRS) {
    if (has(privateVar) && has(publicVar)) continue;
    if (has(privateVar) || has(publicVar))
      fail(
        `.env has ${has(privateVar) ? privateVar : publicVar} without ${has(privateVar) ? publicVar : privateVar}: remove it to generate a new pair, or add the missing half`,
      );
    [generated[privateVar], generated[publicVar]] = keyPair(name);
  }
  const missing = Object.keys(generated);
  if (missing.length) {
    const lines = missing.map((name) => `${name}=${generated[name]}`).join("\n");
    writeFileSync(file, `${current.replace(/\n?$/, "\n")}${lines}\n`);
    step(`wrote ${missing.join(", ")} to .env`);
  }
  process.loadEnvFile(file);
}

const databaseUrl = () => process.env.DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/fedplat";
const redisUrl = () => process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

const HOW_TO_START = `Start them with Docker:   docker compose -f infra/docker-compose.yml up -d postgres redis
or from your distribution: sudo apt-get install postgresql redis-server (then start both services)
or point DATABASE_URL / REDIS_URL at servers that are running.`;

function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  u.search = "";
  return u.toString();
}

async function pgClient(url) {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  return client;
}

// 3. PostgreSQL and Redis must answer before anything else starts.
async function checkServices() {
  const url = databaseUrl();
  try {
    const client = await pgClient(withDatabase(url, "postgres"));
    await client.end();
  } catch (error) {
    fail(`PostgreSQL is not reachable at ${redact(url)} (${error.code ?? error.message}).\n${HOW_TO_START}`);
  }
  const redis = new URL(redisUrl());
  const reply = await new Promise((resolve) => {
    const socket = new Socket();
    const done = (value) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(3_000, () => done("timeout"));
    socket.once("error", (error) => done(error.code ?? error.message));
    socket.connect(Number(redis.port || 6379), redis.hostname, () => {
      if (redis.password)
        socket.write(
          `AUTH ${redis.username ? `${decodeURIComponent(redis.username)} ` : ""}${decodeURIComponent(redis.password)}\r\n`,
        );
      socket.write("PING\r\n");
    });
    socket.on("data", (data) => {
      if (data.toString().includes("PONG")) done("ok");
      else if (data.toString().startsWith("-")) done(data.toString().trim());
    });
  });
  if (reply !== "ok") fail(`Redis is not reachable at ${redact(redisUrl())} (${reply}).\n${HOW_TO_START}`);
}

async function ensureDatabase(url) {
  const name = new URL(url).pathname.slice(1);
  const admin = await pgClient(withDatabase(url, "postgres"));
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) {
      step(`creating database ${name}`);
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    }
  } finally {
    await admin.end();
  }
}

// 4. Generated code: turbo caches these tasks on their inputs, so a second run restores or skips them.
function generate() {
  run(
    "npx",
    [
      "--no-install",
      "turbo",
      "run",
      "generate",
      "generate:config",
      "compose",
      "codegen",
      "--output-logs=errors-only",
      "--log-prefix=none",
    ],
    { what: "prisma generate / compose / codegen", env: { TURBO_TELEMETRY_DISABLED: "1" } },
  );
}

function migrationNames(service) {
  const dir = join(root, databaseOf(service).prisma, "migrations");
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

// 5. Migrations: ask PostgreSQL what is applied; run `prisma migrate deploy` only for services behind.
async function migrate(url) {
  const client = await pgClient(url);
  const behind = [];
  try {
    for (const service of SERVICES) {
      let applied = [];
      try {
        const { rows } = await client.query(
          `SELECT migration_name FROM "${databaseOf(service).schema}"."_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
        );
        applied = rows.map((row) => row.migration_name);
      } catch (error) {
        if (error.code !== "42P01" && error.code !== "3F000") throw error; // no table / no schema yet
      }
      if (migrationNames(service).some((name) => !applied.includes(name))) behind.push(service);
    }
  } finally {
    await client.end();
  }
  for (const service of behind) {
    step(`applying ${service} migrations to ${redact(url)}`);
    run(
      "npx",
      ["--no-install", "prisma", "migrate", "deploy", "--config", `${databaseOf(service).prisma}/prisma.config.ts`],
      {
        quiet: true,
        what: `prisma migrate deploy (${service})`,
        env: { [databaseUrlVar(service)]: url },
      },
    );
  }
}

// 6. Demo data when a service's tables are empty.
async function seedIfEmpty(url) {
  const client = await pgClient(url);
  const empty = [];
  try {
    for (const { name, schema, seedTable } of DATABASES.filter((service) => service.seedTable)) {
      const { rows } = await client.query(`SELECT EXISTS (SELECT 1 FROM "${schema}"."${seedTable}") AS present`);
      if (!rows[0].present) empty.push(name);
    }
  } finally {
    await client.end();
  }
  if (empty.length === 0) return;
  step(`seeding demo data (${empty.join(", ")})`);
  const env = { DATABASE_URL: url, LOG_LEVEL: "warn" };
  for (const service of SERVICES) env[databaseUrlVar(service)] = url;
  run("npx", ["--no-install", "tsx", "prisma/seed/main.ts"], { what: "seed", env });
}

// 7. Tests clone a migrated, seeded template database (CREATE DATABASE ... TEMPLATE) per test file.
// Test databases are named fedplat_t_<pid>_<random>; drop those whose process is gone (a killed run).
async function dropOrphanTestDatabases(admin) {
  const { rows } = await admin.query("SELECT datname FROM pg_database WHERE datname ~ '^fedplat_t_[0-9]+_[0-9a-f]+$'");
  for (const { datname } of rows) {
    const pid = Number(datname.split("_")[2]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  }
}

async function prepareTestTemplate() {
  const template = process.env.TEST_DATABASE_TEMPLATE ?? "fedplat_test_template";
  const url = withDatabase(databaseUrl(), template);
  const files = SERVICES.flatMap((service) =>
    migrationNames(service).map((name) => `${databaseOf(service).prisma}/migrations/${name}/migration.sql`),
  );
  const seedDir = join(root, "prisma", "seed");
  const fingerprint = hashFiles(
    files.concat(
      readdirSync(seedDir)
        .sort()
        .map((f) => `prisma/seed/${f}`),
    ),
  );
  const admin = await pgClient(withDatabase(databaseUrl(), "postgres"));
  try {
    await dropOrphanTestDatabases(admin);
    const { rows } = await admin.query(
      "SELECT shobj_description(oid, 'pg_database') AS note FROM pg_database WHERE datname = $1",
      [template],
    );
    if (rows[0]?.note === fingerprint) return;
    step(`building test template database ${template}`);
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${template}"`);
  } finally {
    await admin.end();
  }
  await migrate(url);
  await seedIfEmpty(url);
  const again = await pgClient(withDatabase(databaseUrl(), "postgres"));
  try {
    await again.query(`COMMENT ON DATABASE "${template}" IS '${fingerprint}'`);
  } finally {
    await again.end();
  }
}

async function main() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 12))
    fail(`Node ${process.versions.node} is too old: this project needs Node 22 or 24 (.nvmrc).`);
  // Node 20 is end-of-life: still runs everything, but engines and CI are 22/24 (docs/dependencies.md).
  if (major < 22) step(`Node ${process.versions.node} is end-of-life: use Node 24 (.nvmrc) or 22`);
  ensureInstalled();
  ensureEnvFile();
  await checkServices();
  await ensureDatabase(databaseUrl());
  if (!args["migrate-only"]) generate();
  await migrate(databaseUrl());
  if (!args["migrate-only"]) await seedIfEmpty(databaseUrl());
  if (args.test) await prepareTestTemplate();
  step(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => fail(error.stack ?? String(error)));
