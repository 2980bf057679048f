import { defineEventService } from "@fedplat/event-store";
import { createOrdersPrisma } from "../db";
import { createOrdersEventHandlers } from "./handlers";

/** How the workers host orders' events. */
export const eventService = defineEventService({
  createPrisma: createOrdersPrisma,
  createHandlers: (prisma, host) => createOrdersEventHandlers(prisma, host.live),
});
