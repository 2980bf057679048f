import type { Viewer } from "@fedplat/auth";
import type { LiveUpdate } from "@fedplat/events";
import type { GraphQLSchema } from "graphql";

/** Which live updates reach a subscription: one entity's, or every entity a user owns. */
export type LiveRoute = { by: "id"; id: string } | { by: "owner"; ownerId: string };

/**
 * How the gateway serves one Subscription field: which updates concern it, and which query
 * field re-reads the updated entity (the subscriber's selection runs under it, as the subscriber).
 */
export interface LiveField {
  typename: LiveUpdate["typename"];
  /** A Query field taking the entity's id, e.g. `order(id:)`. */
  queryField: string;
  idArgument: string;
  route(args: Record<string, unknown>, viewer: Viewer): LiveRoute;
  /** Send the entity's current state first (routes by id only), so nothing between reading and subscribing is missed. */
  initialState: boolean;
}

/** Every Subscription field of the supergraph; the gateway refuses to start if one is missing here. */
export const LIVE_FIELDS: Readonly<Record<string, LiveField>> = {
  orderStatusChanged: {
    typename: "Order",
    queryField: "order",
    idArgument: "id",
    route: (args) => ({ by: "id", id: String(args.orderId) }),
    initialState: true,
  },
  myOrderUpdates: {
    typename: "Order",
    queryField: "order",
    idArgument: "id",
    route: (_args, viewer) => ({ by: "owner", ownerId: viewer.id }),
    initialState: false,
  },
  notificationAdded: {
    typename: "Notification",
    queryField: "notification",
    idArgument: "id",
    route: (_args, viewer) => ({ by: "owner", ownerId: viewer.id }),
    initialState: false,
  },
};

/** The hub key a route listens on, and the keys an update is delivered to. */
export const routeKey = (typename: string, route: LiveRoute) =>
  route.by === "id" ? `${typename}:id:${route.id}` : `${typename}:owner:${route.ownerId}`;
export const updateKeys = (update: LiveUpdate) => [
  routeKey(update.typename, { by: "id", id: update.id }),
  routeKey(update.typename, { by: "owner", ownerId: update.ownerId }),
];

/** Fails fast when the supergraph has a Subscription field the gateway cannot serve. */
export function checkLiveFields(
  schema: GraphQLSchema,
  fields: Readonly<Record<string, LiveField>> = LIVE_FIELDS,
): void {
  const subscriptionFields = Object.keys(schema.getSubscriptionType()?.getFields() ?? {});
  const queryFields = schema.getQueryType()?.getFields() ?? {};
  for (const name of subscriptionFields) {
    const live = fields[name];
    if (!live)
      throw new Error(
        `Subscription.${name} has no entry in LIVE_FIELDS (gateway/src/subscriptions/liveFields.ts): the gateway cannot serve it`,
      );
    const query = queryFields[live.queryField];
    if (!query?.args.some((arg) => arg.name === live.idArgument))
      throw new Error(
        `Subscription.${name} reads Query.${live.queryField}(${live.idArgument}:), which the supergraph does not have`,
      );
  }
}
