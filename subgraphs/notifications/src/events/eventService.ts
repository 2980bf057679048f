import { defineEventService } from "@fedplat/event-store";
import { createNotificationsPrisma } from "../db";
import { createNotificationsEventHandlers } from "./handlers";

/** How the workers host notifications' events. */
export const eventService = defineEventService({
  createPrisma: createNotificationsPrisma,
  createHandlers: (prisma, host) => createNotificationsEventHandlers(prisma, host.live),
});
