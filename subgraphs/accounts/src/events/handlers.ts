import { type EventHandlers, type EventStore, transactionalHandler } from "@fedplat/event-store";
import type { AccountsPrisma } from "../db";
import type { Prisma } from "../generated/prisma/client";

/** What accounts does with the events routed to it. */
export function createAccountsEventHandlers(prisma: AccountsPrisma): EventHandlers {
  const store: EventStore<Prisma.TransactionClient> = {
    schema: "accounts",
    transaction: (fn) => prisma.$transaction(fn),
  };
  return {
    // Flow 2: login -> user.authenticated -> last-login updated (never moved back in time).
    "user.authenticated": transactionalHandler("user.authenticated", store, async (tx, event) => {
      const at = new Date(event.data.at);
      await tx.user.updateMany({
        where: { id: event.data.userId, OR: [{ lastLoginAt: null }, { lastLoginAt: { lt: at } }] },
        data: { lastLoginAt: at },
      });
      return [];
    }),
  };
}
