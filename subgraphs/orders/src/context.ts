import {
  type BaseContext,
  createByIdLoader,
  createGroupLoader,
  createLimitedGroupLoader,
  newestIdsPerParent,
} from "@fedplat/subgraph";
import type { LiveUpdatePublisher } from "@fedplat/events";
import type { PriceSource } from "./catalogClient";
import type { OrdersPrisma } from "./db";

export interface OrdersContext extends BaseContext {
  prisma: OrdersPrisma;
  catalog: PriceSource;
  /** Announces committed changes to subscribers (through the gateways). */
  live: LiveUpdatePublisher;
  loaders: ReturnType<typeof createLoaders>;
}

function createLoaders(prisma: OrdersPrisma) {
  return {
    order: createByIdLoader((ids) => prisma.order.findMany({ where: { id: { in: ids } } })),
    lines: createGroupLoader(
      (orderIds: string[]) =>
        prisma.orderLine.findMany({
          where: { orderId: { in: orderIds } },
          orderBy: [{ orderId: "asc" }, { position: "asc" }],
        }),
      (line) => line.orderId,
    ),
    ordersOfCustomer: createLimitedGroupLoader(
      async (customerIds, limit) => {
        const ids = await newestIdsPerParent(prisma, {
          table: '"orders"."orders"',
          parentColumn: "customer_id",
          parentIds: customerIds,
          limit,
        });
        return prisma.order.findMany({ where: { id: { in: ids } }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
      },
      (order) => order.customerId,
    ),
  };
}

/** Per request: fresh loaders, so batching and caching never cross requests. */
export function contextFactory(prisma: OrdersPrisma, catalog: PriceSource, live: LiveUpdatePublisher) {
  return (base: BaseContext): OrdersContext => ({ ...base, prisma, catalog, live, loaders: createLoaders(prisma) });
}
