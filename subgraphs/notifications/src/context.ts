import { type BaseContext, createByIdLoader, createLimitedGroupLoader, newestIdsPerParent } from "@fedplat/subgraph";
import type { NotificationsPrisma } from "./db";

export interface NotificationsContext extends BaseContext {
  prisma: NotificationsPrisma;
  loaders: ReturnType<typeof createLoaders>;
}

function createLoaders(prisma: NotificationsPrisma) {
  return {
    notification: createByIdLoader((ids) => prisma.notification.findMany({ where: { id: { in: ids } } })),
    notificationsOfUser: createLimitedGroupLoader(
      async (userIds, limit) => {
        const ids = await newestIdsPerParent(prisma, {
          table: '"notifications"."notifications"',
          parentColumn: "user_id",
          parentIds: userIds,
          limit,
        });
        return prisma.notification.findMany({
          where: { id: { in: ids } },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        });
      },
      (notification) => notification.userId,
    ),
  };
}

/** Per request: fresh loaders, so batching and caching never cross requests. */
export function contextFactory(prisma: NotificationsPrisma) {
  return (base: BaseContext): NotificationsContext => ({ ...base, prisma, loaders: createLoaders(prisma) });
}
