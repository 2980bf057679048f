import { prismaClientOptions, withSqlPool } from "@fedplat/common";
import { PrismaClient } from "./generated/prisma/client";

export type AccountsPrisma = PrismaClient<"query">;

/** The accounts service's one Prisma client, on the "accounts" PostgreSQL schema. */
export function createAccountsPrisma(url: string): AccountsPrisma {
  const options = prismaClientOptions(url, "accounts");
  return withSqlPool(new PrismaClient(options), options);
}
