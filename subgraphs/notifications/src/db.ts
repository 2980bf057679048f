import { prismaClientOptions } from "@fedplat/common";
import { PrismaClient } from "./generated/prisma/client";

export type NotificationsPrisma = PrismaClient<"query">;

/** The notifications service's one Prisma client, on the "notifications" PostgreSQL schema. */
export function createNotificationsPrisma(url: string): NotificationsPrisma {
  return new PrismaClient(prismaClientOptions(url, "notifications"));
}
