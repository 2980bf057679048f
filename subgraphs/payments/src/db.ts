import { prismaClientOptions } from "@fedplat/common";
import { PrismaClient } from "./generated/prisma/client";

export type PaymentsPrisma = PrismaClient<"query">;

/** The payments service's one Prisma client, on the "payments" PostgreSQL schema. */
export function createPaymentsPrisma(url: string): PaymentsPrisma {
  return new PrismaClient(prismaClientOptions(url, "payments"));
}
