import { appError, badInput, ErrorCode, isStaff, isUuid, notFound, requireViewer } from "@fedplat/common";
import type { MutationResolvers, PlaceOrderInput } from "../generated/resolvers";
import { createEvent, writeOutbox } from "@fedplat/events";
import type { OrdersContext } from "../context";
import type { OrderStatus } from "../generated/prisma/client";
import { orderUpdate, transitionOrder } from "../transitions";

/** A transition asked for by a person: CONFLICT when the status machine does not allow it. */
async function transition({ prisma, live }: Pick<OrdersContext, "prisma" | "live">, id: string, to: OrderStatus, reason: string) {
  const { order, changed } = await prisma.$transaction((tx) => transitionOrder(tx, id, to, reason));
  if (changed) await live.publish(orderUpdate(order));
  if (!changed) throw appError(ErrorCode.CONFLICT, to === "CANCELLED" ? `An order in status ${order.status} cannot be cancelled` : `An order in status ${order.status} cannot become ${to}`);
  return order;
}

const MAX_LINES = 50;
const MAX_QUANTITY = 1_000;

function validateLines(input: PlaceOrderInput) {
  const { lines } = input;
  if (lines.length === 0 || lines.length > MAX_LINES) throw badInput(`An order has between 1 and ${MAX_LINES} lines`, "lines");
  const seen = new Set<string>();
  for (const line of lines) {
    if (!isUuid(line.productId)) throw badInput(`"${line.productId}" is not a product id`, "productId");
    if (seen.has(line.productId)) throw badInput("Each product may appear on one line only", "productId");
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_QUANTITY) {
      throw badInput(`Quantity must be between 1 and ${MAX_QUANTITY}`, "quantity");
    }
    seen.add(line.productId);
  }
  return lines;
}

export const Mutation: MutationResolvers = {
  placeOrder: async (_parent, { input }, context) => {
    const viewer = requireViewer(context);
    const lines = validateLines(input);
    const prices = await context.catalog.prices(lines.map((line) => line.productId));
    const priced = lines.map((line, position) => {
      const price = prices.get(line.productId);
      if (!price) throw badInput(`Product ${line.productId} does not exist`, "productId");
      return { productId: line.productId, quantity: line.quantity, unitPriceCents: price.priceCents, currency: price.currency, position };
    });
    const currencies = new Set(priced.map((line) => line.currency));
    if (currencies.size > 1) throw badInput("All products of an order must share one currency", "lines");
    const currency = [...currencies][0] ?? "USD";
    const totalCents = priced.reduce((sum, line) => sum + line.unitPriceCents * line.quantity, 0);
    // The order and its order.placed event commit together (transactional outbox).
    const order = await context.prisma.$transaction(async (tx) => {
      const created = await tx.order.create({
        data: { customerId: viewer.id, currency, totalCents, lines: { create: priced.map(({ currency: _currency, ...line }) => line) } },
      });
      const lines = priced.map(({ productId, quantity, unitPriceCents }) => ({ productId, quantity, unitPriceCents }));
      await writeOutbox(tx, [createEvent("order.placed", { orderId: created.id, customerId: viewer.id, totalCents, currency, lines }, { producer: "orders" })]);
      return created;
    });
    await context.live.publish(orderUpdate(order));
    return order;
  },

  cancelOrder: async (_parent, { id }, context) => {
    const viewer = requireViewer(context);
    const order = await context.loaders.order.load(id);
    if (!order || (order.customerId !== viewer.id && !isStaff(viewer))) throw notFound("Order");
    return transition(context, id, "CANCELLED", isStaff(viewer) && order.customerId !== viewer.id ? "cancelled by staff" : "cancelled by the customer");
  },

  // Who may call it: permissions.ts (staff and admins).
  setOrderStatus: async (_parent, { id, status }, context) => {
    if (!(await context.loaders.order.load(id))) throw notFound("Order");
    return transition(context, id, status, "set by staff");
  },
};
