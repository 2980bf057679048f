/**
 * The driver adapter the Prisma 6.19 CLI uses for migrate/db commands. The native schema engine
 * cannot be downloaded on our machines, so the CLI runs its JS engine through this adapter.
 * Each patch below fixes a failure seen without it (see shared/ENVIRONMENT.md §2).
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { environment, serviceDatabaseUrl } from "@fedplat/runtime";
import { defineConfig } from "prisma/config";

type PgResultClass = { prototype: { addFields(fields: Array<{ dataTypeID: number }>): void } };

// (1) prisma/prisma#27403 "Column type 'name' could not be deserialized": report name/char (oid 19/18) as text (25).
const Result = (pg as unknown as { Result: PgResultClass }).Result;
const addFields = Result.prototype.addFields;
Result.prototype.addFields = function (fields) {
  return addFields.call(
    this,
    fields.map((f) => (f.dataTypeID === 19 || f.dataTypeID === 18 ? { ...f, dataTypeID: 25 } : f)),
  );
};

// (2) the WASM engine leaves a 10 s timer behind: deploy/reset would idle 10 s before exiting.
const originalSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const timer = originalSetTimeout(fn, ms, ...args);
  if ((ms ?? 0) >= 10_000) timer.unref();
  return timer;
}) as typeof setTimeout;

interface ScriptRunner {
  executeScript(sql: string): Promise<void>;
  dispose(): Promise<void>;
  underlyingDriver(): pg.Pool;
  onError(error: unknown): never;
}

export function migrateAdapter(url: string, schema: string): PrismaPg {
  const u = new URL(url);
  // (3) discrete fields: with connectionString the shadow database code reaches the real database.
  const config: pg.PoolConfig = {
    host: u.hostname,
    port: Number(u.port || 5432),
    database: u.pathname.slice(1),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password) || undefined,
    options: `-c search_path=${schema}`, // (4) generated SQL is unqualified; without it tables land in public
    allowExitOnIdle: true, // (5) the CLI never closes the pool
  };

  class Adapter extends PrismaPg {
    override async connect() {
      // (6) upstream executeScript splits on ";", which breaks $$ ... ; ... $$ function bodies.
      const adapter = (await super.connect()) as unknown as ScriptRunner;
      adapter.executeScript = async (sql: string) => {
        try {
          await adapter.underlyingDriver().query(sql);
        } catch (error) {
          adapter.onError(error);
        }
      };
      return adapter as unknown as Awaited<ReturnType<PrismaPg["connect"]>>;
    }

    override async connectToShadowDb() {
      // (7) upstream drops the shadow database before closing it ("being accessed by other users").
      const admin = (await new Adapter(config).connect()) as unknown as ScriptRunner;
      const db = `prisma_shadow_${randomUUID().replace(/-/g, "")}`;
      await admin.executeScript(`CREATE DATABASE "${db}"`);
      const shadow = (await new Adapter({ ...config, database: db }, { schema }).connect()) as unknown as ScriptRunner;
      const close = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        await close();
        await admin.executeScript(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
        await admin.dispose();
      };
      return shadow as unknown as Awaited<ReturnType<PrismaPg["connectToShadowDb"]>>;
    }
  }
  return new Adapter(config, { schema });
}

/**
 * The Prisma CLI configuration of one service: its schema file and migrations beside the
 * config, its own PostgreSQL schema, and the JS engine through migrateAdapter.
 */
export function serviceConfig(service: string) {
  // As the services resolve it: <SERVICE>_DATABASE_URL, else DATABASE_URL (environment, .env or fedplat.config.yaml).
  const url = serviceDatabaseUrl(service);
  // schema.prisma's datasource needs the variable to resolve, or the CLI tries to download a query engine.
  environment()[`${service.toUpperCase()}_DATABASE_URL`] ??= url;
  return defineConfig({
    experimental: { adapter: true },
    engine: "js",
    schema: "schema.prisma",
    migrations: { path: "migrations" },
    adapter: async () => migrateAdapter(url, service),
  });
}
