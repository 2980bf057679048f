import { defineEventService } from "@fedplat/event-store";
import { createCatalogPrisma } from "../db";
import { createCatalogEventHandlers } from "./handlers";

/** How the workers host catalog's events. */
export const eventService = defineEventService({
  createPrisma: createCatalogPrisma,
  createHandlers: (prisma) => createCatalogEventHandlers(prisma),
});
