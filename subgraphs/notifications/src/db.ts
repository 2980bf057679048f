import { prismaClientOptions, withSqlPool } from "@fedplat/common";
import { PrismaClient } from "./generated/prisma/client";

export type NotificationsPrisma = PrismaClient<"query">;

/** The notifications service's one Prisma client, on the "notifications" PostgreSQL schema. */
export function createNotificationsPrisma(url: string): NotificationsPrisma {
  const options = prismaClientOptions(url, "notifications");
  return withSqlPool(new PrismaClient(options), options);
}
