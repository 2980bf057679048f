import { prismaClientOptions } from "@fedplat/common";
import { PrismaClient } from "./generated/prisma/client";

export type CatalogPrisma = PrismaClient<"query">;

/** The catalog service's one Prisma client, on the "catalog" PostgreSQL schema. */
export function createCatalogPrisma(url: string): CatalogPrisma {
  return new PrismaClient(prismaClientOptions(url, "catalog"));
}
