import { defineConfig } from "prisma/config";
import { migrateAdapter, serviceDatabaseUrl } from "../migrateAdapter";

const SCHEMA = "orders";
const url = serviceDatabaseUrl(SCHEMA);
// schema.prisma's datasource needs the variable to resolve, or the CLI tries to download a query engine.
process.env.ORDERS_DATABASE_URL ??= url;

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "schema.prisma",
  migrations: { path: "migrations" },
  adapter: async () => migrateAdapter(url, SCHEMA),
});
