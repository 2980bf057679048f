import { type PrismaClientSettings, prismaClientOptions, withSqlPool } from "@fedplat/event-store";
import { PrismaClient } from "./generated/prisma/client";

export type CatalogPrisma = PrismaClient<"query">;

/** The catalog service's one Prisma client, on the "catalog" PostgreSQL schema. */
export function createCatalogPrisma(url: string, settings?: PrismaClientSettings): CatalogPrisma {
  const options = prismaClientOptions(url, "catalog", settings);
  return withSqlPool(new PrismaClient(options), options);
}
