import { type PrismaClientSettings, prismaClientOptions, withSqlPool } from "@fedplat/event-store";
import { PrismaClient } from "./generated/prisma/client";

export type PaymentsPrisma = PrismaClient<"query">;

/** The payments service's one Prisma client, on the "payments" PostgreSQL schema. */
export function createPaymentsPrisma(url: string, settings?: PrismaClientSettings): PaymentsPrisma {
  const options = prismaClientOptions(url, "payments", settings);
  return withSqlPool(new PrismaClient(options), options);
}
