import { type PrismaClientSettings, prismaClientOptions, withSqlPool } from "@fedplat/event-store";
import { PrismaClient } from "./generated/prisma/client";

export type OrdersPrisma = PrismaClient<"query">;

/** The orders service's one Prisma client, on the "orders" PostgreSQL schema. */
export function createOrdersPrisma(url: string, settings?: PrismaClientSettings): OrdersPrisma {
  const options = prismaClientOptions(url, "orders", settings);
  return withSqlPool(new PrismaClient(options), options);
}
