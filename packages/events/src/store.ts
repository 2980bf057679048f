import { activeTraceparent } from "@fedplat/telemetry";
import type { Envelope } from "./envelope";
import type { EventType } from "./schemas";

/**
 * The two tables every service keeps for events (outbox, processed_events), as every generated
 * PrismaClient (or its transaction client) exposes them.
 */
export interface EventTables {
  outboxEvent: { createMany(args: { data: Array<{ id: string; type: string; envelope: object }> }): Promise<unknown> };
  processedEvent: { createMany(args: { data: Array<{ eventId: string; type: string }>; skipDuplicates: boolean }): Promise<{ count: number }> };
}

/**
 * Writes events to the outbox; call it inside the transaction that makes the change they describe.
 * Each event carries the active trace context (the request's, or the consumer's that caused it),
 * so the relay and the consumers continue the same trace.
 */
export async function writeOutbox(tx: EventTables, events: readonly Envelope[]): Promise<void> {
  if (events.length === 0) return;
  const traceparent = activeTraceparent();
  await tx.outboxEvent.createMany({ data: events.map((event) => ({ id: event.eventId, type: event.type, envelope: traceparent ? { ...event, traceparent } : event })) });
}

/**
 * Records that `event` is applied; false when it already was (a redelivery). Call it in the
 * transaction of the effect: the effect and the record commit together or not at all.
 * ON CONFLICT DO NOTHING (skipDuplicates) keeps the transaction usable either way.
 */
export async function claimEvent(tx: EventTables, event: Envelope): Promise<boolean> {
  const { count } = await tx.processedEvent.createMany({ data: [{ eventId: event.eventId, type: event.type }], skipDuplicates: true });
  return count === 1;
}

/** Runs `fn` in one database transaction (each service passes `(fn) => prisma.$transaction(fn)`). */
export type InTransaction<Tx> = <R>(fn: (tx: Tx) => Promise<R>) => Promise<R>;

export interface HandlerContext {
  /** 1-based attempt number of this delivery. */
  attempt: number;
  /** True on the queue's last attempt: a handler with a compensation must emit it now. */
  isLastAttempt: boolean;
}

/** What a consuming service does with one event type. */
export type EventHandler = (event: Envelope, context: HandlerContext) => Promise<"applied" | "duplicate">;

/** A consuming service's handlers, by event type. */
export type EventHandlers = { [T in EventType]?: EventHandler };

/**
 * The usual handler: in one transaction, claim the event, apply the effect, and write the
 * follow-up events the effect returns. A redelivered event is claimed already and changes nothing.
 */
export function transactionalHandler<T extends EventType, Tx extends EventTables>(
  _type: T,
  transaction: InTransaction<Tx>,
  effect: (tx: Tx, event: Envelope<T>) => Promise<readonly Envelope[]>,
): EventHandler {
  return (event) =>
    transaction(async (tx) => {
      if (!(await claimEvent(tx, event))) return "duplicate" as const;
      await writeOutbox(tx, await effect(tx, event as Envelope<T>));
      return "applied" as const;
    });
}
