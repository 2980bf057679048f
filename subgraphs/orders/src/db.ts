import { prismaClientOptions } from "@fedplat/common";
import { PrismaClient } from "./generated/prisma/client";

export type OrdersPrisma = PrismaClient<"query">;

/** The orders service's one Prisma client, on the "orders" PostgreSQL schema. */
export function createOrdersPrisma(url: string): OrdersPrisma {
  return new PrismaClient(prismaClientOptions(url, "orders"));
}
