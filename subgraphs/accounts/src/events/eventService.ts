import { defineEventService } from "@fedplat/event-store";
import { createAccountsPrisma } from "../db";
import { createAccountsEventHandlers } from "./handlers";

/** How the workers host accounts' events. */
export const eventService = defineEventService({
  createPrisma: createAccountsPrisma,
  createHandlers: (prisma) => createAccountsEventHandlers(prisma),
});
