import { type PrismaClientSettings, prismaClientOptions, withSqlPool } from "@fedplat/event-store";
import { PrismaClient } from "./generated/prisma/client";

export type AccountsPrisma = PrismaClient<"query">;

/** The accounts service's one Prisma client, on the "accounts" PostgreSQL schema. */
export function createAccountsPrisma(url: string, settings?: PrismaClientSettings): AccountsPrisma {
  const options = prismaClientOptions(url, "accounts", settings);
  return withSqlPool(new PrismaClient(options), options);
}
