import { z } from "zod";

const id = z.uuid();
const cents = z.number().int().min(0);
const currency = z.string().regex(/^[A-Z]{3}$/);

/**
 * A type whose data carries personal fields: producers seal them (sealing.ts) and only the
 * handlers that need one open it (openPersonalData). List every field that identifies a person.
 */
const withPersonal = <V extends number, S extends z.ZodObject, const K extends keyof S["shape"] & string>(
  version: V,
  data: S,
  personal: readonly K[],
) => ({ version, data, personal });

/**
 * Every event type of the platform, with its current version's data schema (as producers write
 * it and handlers read it once opened; on the wire personal fields are sealed, see versions.ts). A breaking change
 * adds a new version next to the old one (see docs on schema evolution); additive fields are fine.
 */
export const EVENT_SCHEMAS = {
  "user.registered": withPersonal(1, z.object({ userId: id, email: z.string(), name: z.string() }), ["email", "name"]),
  /** Someone tried to register an email that already has an account: its owner is told (register itself does not say). */
  "user.registration_attempted": { version: 1, data: z.object({ userId: id, at: z.iso.datetime() }) },
  "user.authenticated": { version: 1, data: z.object({ userId: id, at: z.iso.datetime() }) },
  "order.placed": {
    version: 1,
    data: z.object({
      orderId: id,
      customerId: id,
      totalCents: cents,
      currency,
      lines: z.array(z.object({ productId: id, quantity: z.number().int().min(1), unitPriceCents: cents })).min(1),
    }),
  },
  "stock.reserved": { version: 1, data: z.object({ orderId: id, customerId: id, totalCents: cents, currency }) },
  "stock.rejected": {
    version: 1,
    data: z.object({ orderId: id, customerId: id, reason: z.string(), productIds: z.array(id) }),
  },
  "payment.succeeded": {
    version: 1,
    data: z.object({
      orderId: id,
      customerId: id,
      paymentId: id,
      amountCents: cents,
      attempts: z.number().int().min(1),
    }),
  },
  "payment.failed": {
    version: 1,
    data: z.object({
      orderId: id,
      customerId: id,
      paymentId: id,
      reason: z.string(),
      attempts: z.number().int().min(1),
    }),
  },
  "order.confirmed": { version: 1, data: z.object({ orderId: id, customerId: id, totalCents: cents }) },
  "order.cancelled": { version: 1, data: z.object({ orderId: id, customerId: id, reason: z.string() }) },
  "notification.sent": {
    version: 1,
    data: z.object({ notificationId: id, userId: id, template: z.string(), channel: z.enum(["EMAIL", "SMS", "PUSH"]) }),
  },
} as const;

export type EventType = keyof typeof EVENT_SCHEMAS;
export type EventData<T extends EventType> = z.infer<(typeof EVENT_SCHEMAS)[T]["data"]>;
export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as EventType[];

/** The personal fields of each event type that has any (sealed on the wire, in every version). */
export const PERSONAL_FIELDS: { readonly [T in EventType]?: readonly string[] } = Object.fromEntries(
  EVENT_TYPES.flatMap((type) => {
    const entry = EVENT_SCHEMAS[type];
    return "personal" in entry ? [[type, entry.personal]] : [];
  }),
);
