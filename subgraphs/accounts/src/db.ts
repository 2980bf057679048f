import { prismaClientOptions } from "@fedplat/common";
import { PrismaClient } from "./generated/prisma/client";

export type AccountsPrisma = PrismaClient<"query">;

/** The accounts service's one Prisma client, on the "accounts" PostgreSQL schema. */
export function createAccountsPrisma(url: string): AccountsPrisma {
  return new PrismaClient(prismaClientOptions(url, "accounts"));
}
