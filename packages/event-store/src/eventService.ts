import type { LiveUpdatePublisher } from "@fedplat/events";
import type { PrismaClientSettings } from "./prismaPool";
import type { EventHandlers } from "./store";

/** What the workers give each service's event handlers. */
export interface EventHost {
  /** Announces committed changes to subscriptions and caches. */
  live: LiveUpdatePublisher;
  /**
   * Dependencies the workers were started with for particular services, by service name (the
   * payments service: its payment provider); a service checks the shape of its own.
   */
  dependencies: Readonly<Record<string, unknown>>;
}

/**
 * How the workers host a service's events: every service with events in services.json exports
 * one as `eventService` from its package. The workers load them by the registry alone, so a new
 * service needs no line in the workers (workers/src/eventServices.ts).
 */
export interface EventServiceModule<Client extends object = object> {
  /** The service's Prisma client on `url` (its outbox, processed events and domain tables). */
  createPrisma(url: string, settings: PrismaClientSettings): Client;
  /** What the service does with the events routed to it (may be empty: a producer only). */
  createHandlers(prisma: Client, host: EventHost): EventHandlers;
}

/** Declares a module with its client type checked; an identity function. */
export function defineEventService<Client extends object>(
  module: EventServiceModule<Client>,
): EventServiceModule<Client> {
  return module;
}
