import { randomUUID } from "node:crypto";
import { appError, badInput, ErrorCode, notFound } from "@fedplat/runtime";
import { hasRole, requireViewer } from "@fedplat/auth";
import { isUuid } from "@fedplat/subgraph";
import type { MutationResolvers, PlaceOrderInput } from "../generated/resolvers";
import { createEvent } from "@fedplat/events";
import { writeOutbox } from "@fedplat/event-store";
import type { OrdersContext } from "../context";
import type { OrderStatus } from "../generated/prisma/client";
import { STAFF_ROLES } from "../roles";
import {
  checkIdempotencyKey,
  claimIdempotencyKey,
  type IdempotentRequest,
  idempotentRequest,
  oncePerKey,
} from "../idempotency";
import { orderUpdate, transitionOrder } from "../transitions";

/**
 * A transition asked for by a person: CONFLICT when the status machine does not allow it. With
 * an idempotency key, the key is claimed in the transition's transaction (rolled back with it).
 */
async function transition(
  { prisma, live }: Pick<OrdersContext, "prisma" | "live">,
  id: string,
  to: OrderStatus,
  reason: string,
  idempotent?: IdempotentRequest,
) {
  const order = await prisma.$transaction(async (tx) => {
    if (idempotent) await claimIdempotencyKey(tx, idempotent, id);
    const { order, changed } = await transitionOrder(tx, id, to, reason);
    if (!changed)
      throw appError(
        ErrorCode.CONFLICT,
        to === "CANCELLED"
          ? `An order in status ${order.status} cannot be cancelled`
          : `An order in status ${order.status} cannot become ${to}`,
      );
    return order;
  });
  await live.publish(orderUpdate(order));
  return order;
}

/**
 * The order a replayed request returns: the one its first attempt produced, as it is now (read
 * afresh: the request's loader may hold it from before a concurrent winner changed it).
 */
async function orderOf(context: OrdersContext, id: string) {
  const order = await context.prisma.order.findUnique({ where: { id } });
  if (!order) throw notFound("Order");
  return order;
}

const MAX_LINES = 50;
const MAX_QUANTITY = 1_000;

function validateLines(input: PlaceOrderInput) {
  const { lines } = input;
  if (lines.length === 0 || lines.length > MAX_LINES)
    throw badInput(`An order has between 1 and ${MAX_LINES} lines`, "lines");
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
    const key = checkIdempotencyKey(input.idempotencyKey);
    const lines = validateLines(input);
    // The key stands for these lines, in this order (their positions); the lines are already valid.
    const idempotent = key
      ? idempotentRequest(
          viewer.id,
          key,
          "placeOrder",
          lines.map(({ productId, quantity }) => ({ productId, quantity })),
        )
      : undefined;
    return oncePerKey(
      context.prisma,
      idempotent,
      () => placeNewOrder(context, viewer.id, lines, idempotent),
      (id) => orderOf(context, id),
    );
  },

  cancelOrder: async (_parent, { id, idempotencyKey }, context) => {
    const viewer = requireViewer(context);
    const key = checkIdempotencyKey(idempotencyKey);
    const idempotent = key ? idempotentRequest(viewer.id, key, "cancelOrder", { id }) : undefined;
    // A replay needs no ownership check: the key was claimed only after the first attempt passed it.
    return oncePerKey(
      context.prisma,
      idempotent,
      async () => {
        const order = await context.loaders.order.load(id);
        if (!order || (order.customerId !== viewer.id && !hasRole(viewer, ...STAFF_ROLES))) throw notFound("Order");
        return transition(
          context,
          id,
          "CANCELLED",
          hasRole(viewer, ...STAFF_ROLES) && order.customerId !== viewer.id
            ? "cancelled by staff"
            : "cancelled by the customer",
          idempotent,
        );
      },
      (orderId) => orderOf(context, orderId),
    );
  },

  // Who may call it: permissions.ts (staff and admins).
  setOrderStatus: async (_parent, { id, status }, context) => {
    if (!(await context.loaders.order.load(id))) throw notFound("Order");
    return transition(context, id, status, "set by staff");
  },
};

/**
 * Prices the lines at the catalog's current prices and writes the order, its order.placed event
 * and (with a key) the key's claim in one transaction.
 */
async function placeNewOrder(
  context: OrdersContext,
  customerId: string,
  lines: PlaceOrderInput["lines"],
  idempotent: IdempotentRequest | undefined,
) {
  const prices = await context.catalog.prices(lines.map((line) => line.productId));
  const priced = lines.map((line, position) => {
    const price = prices.get(line.productId);
    if (!price) throw badInput(`Product ${line.productId} does not exist`, "productId");
    return {
      productId: line.productId,
      quantity: line.quantity,
      unitPriceCents: price.priceCents,
      currency: price.currency,
      position,
    };
  });
  const currencies = new Set(priced.map((line) => line.currency));
  if (currencies.size > 1) throw badInput("All products of an order must share one currency", "lines");
  const currency = [...currencies][0] ?? "USD";
  const totalCents = priced.reduce((sum, line) => sum + line.unitPriceCents * line.quantity, 0);
  // The order, its order.placed event and the key's claim commit together (transactional outbox).
  const order = await context.prisma.$transaction(async (tx) => {
    const id = randomUUID();
    if (idempotent) await claimIdempotencyKey(tx, idempotent, id);
    const created = await tx.order.create({
      data: {
        id,
        customerId,
        currency,
        totalCents,
        lines: { create: priced.map(({ currency: _currency, ...line }) => line) },
      },
    });
    const eventLines = priced.map(({ productId, quantity, unitPriceCents }) => ({
      productId,
      quantity,
      unitPriceCents,
    }));
    await writeOutbox(tx, [
      createEvent(
        "order.placed",
        { orderId: id, customerId, totalCents, currency, lines: eventLines },
        { producer: "orders" },
      ),
    ]);
    return created;
  });
  await context.live.publish(orderUpdate(order));
  return order;
}
