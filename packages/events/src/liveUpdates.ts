import { defineSection } from "@fedplat/runtime";
import { z } from "zod";

/**
 * A live update: "this entity changed", published on Redis pub/sub after the change commits.
 * It carries no data on purpose: each gateway replica re-reads the entity through the
 * federated graph as each subscriber, so every event is resolved (and authorized) exactly like
 * a query at that moment.
 */
export const liveUpdateSchema = z.object({
  /**
   * The GraphQL type of the entity that changed. Any type name: which Subscription fields an
   * update reaches is declared in the subgraphs' SDL (`@live`, see LIVE_SPEC), not listed here.
   */
  typename: z
    .string()
    .regex(/^[_A-Za-z][_0-9A-Za-z]*$/, "a GraphQL type name")
    .max(100),
  id: z.string().min(1).max(100),
  /** The user the entity belongs to (for `myOrderUpdates`, `notificationAdded`, and the gateway's cache renewals). */
  ownerId: z.string().min(1).max(100),
});
export type LiveUpdate = z.infer<typeof liveUpdateSchema>;

/**
 * The `@live` directive, a link spec subgraphs import to declare which live updates serve a
 * Subscription field (docs/subscriptions.md); `@composeDirective` keeps it in the supergraph,
 * where the gateway reads it. Subgraph servers and composition add its definition to an SDL that
 * links it (withLiveDirective), so no service copies it.
 */
export const LIVE_SPEC = {
  /** The spec's identity: a supergraph links `${identity}/v1.0`. */
  identity: "https://fedplat.dev/live",
  url: "https://fedplat.dev/live/v1.0",
  /** The directive's name in the spec (a subgraph may import it under another name). */
  directive: "live",
  /** Its definition, with the spec's name for it. */
  definition: `"""
Serves this Subscription field from live updates (docs/subscriptions.md): after a change commits,
its producer publishes { typename, id, ownerId }, and the gateway re-reads the entity through the
Query field named by query, as each subscriber, with the subscriber's selection.
"""
directive @live(
  "The typename of the live updates that concern this field. Default: the name of the field's type."
  typename: String
  "The Query field that re-reads the updated entity by its id (order for order(id:))."
  query: String!
  "The id argument of that Query field."
  queryIdArgument: String! = "id"
  "This field's argument naming the one entity to watch; its current state is sent first. Omitted: every entity the viewer owns."
  idArgument: String
) on FIELD_DEFINITION`,
} as const;

/** The pub/sub channel producers and gateways share. @default "fedplat:live-updates" */
export const DEFAULT_LIVE_UPDATES_CHANNEL = "fedplat:live-updates";

/**
 * Where live updates travel: read by every process that publishes them (orders, the workers) and
 * by the gateways that fan them out to subscribers; all must name the same channel.
 */
export const liveUpdatesSection = defineSection({
  path: "liveUpdates",
  schema: z.object({
    channel: z
      .string()
      .min(1)
      .default(DEFAULT_LIVE_UPDATES_CHANNEL)
      .describe("Redis pub/sub channel of live updates (subscriptions); publishers and gateways must share it"),
  }),
  env: { names: { channel: "LIVE_UPDATES_CHANNEL" } },
});

/** The one command a publisher needs (an ioredis client has it). */
export interface PublishingClient {
  publish(channel: string, message: string): Promise<number>;
}

export interface LiveUpdatePublisher {
  /** Best effort: never throws (the change is committed already; a missed live update is logged). */
  publish(...updates: LiveUpdate[]): Promise<void>;
}

/** Publishes nothing: for tests and processes without Redis. */
export const noLiveUpdates: LiveUpdatePublisher = { publish: async () => undefined };

export function createLiveUpdatePublisher(
  client: PublishingClient,
  channel: string,
  onError: (error: unknown) => void,
): LiveUpdatePublisher {
  return {
    async publish(...updates) {
      await Promise.all(
        updates.map((update) => client.publish(channel, JSON.stringify(liveUpdateSchema.parse(update))).catch(onError)),
      );
    },
  };
}

/** A received message as a live update; undefined when it is not one (wrong shape, not JSON). */
export function parseLiveUpdate(message: string): LiveUpdate | undefined {
  try {
    const parsed = liveUpdateSchema.safeParse(JSON.parse(message));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
