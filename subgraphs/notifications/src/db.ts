import { type PrismaClientSettings, prismaClientOptions, withSqlPool } from "@fedplat/event-store";
import { PrismaClient } from "./generated/prisma/client";

export type NotificationsPrisma = PrismaClient<"query">;

/** The notifications service's one Prisma client, on the "notifications" PostgreSQL schema. */
export function createNotificationsPrisma(url: string, settings?: PrismaClientSettings): NotificationsPrisma {
  const options = prismaClientOptions(url, "notifications", settings);
  return withSqlPool(new PrismaClient(options), options);
}
