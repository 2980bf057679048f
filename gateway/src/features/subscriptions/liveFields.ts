import { baseType, inaccessibleIdentity, Supergraph } from "@apollo/federation-internals";
import type { Viewer } from "@fedplat/auth";
import { LIVE_SPEC, type LiveUpdate } from "@fedplat/events";

/** Which live updates reach a subscription: one entity's, or every entity a user owns. */
export type LiveRoute = { by: "id"; id: string } | { by: "owner"; ownerId: string };

/**
 * How the gateway serves one Subscription field: which updates concern it, and which query
 * field re-reads the updated entity (the subscriber's selection runs under it, as the subscriber).
 */
export interface LiveField {
  typename: string;
  /** A Query field taking the entity's id, e.g. `order(id:)`. */
  queryField: string;
  idArgument: string;
  route(args: Record<string, unknown>, viewer: Viewer): LiveRoute;
  /** Send the entity's current state first (routes by id only), so nothing between reading and subscribing is missed. */
  initialState: boolean;
}

/**
 * What a supergraph's subscriptions are served with. A Subscription field the gateway cannot
 * serve (no `@live`, or one naming what the supergraph lacks) is in `refused` with the reason:
 * subscribing to it is refused with SUBSCRIPTION_NOT_SERVED, while every other field is served.
 */
export interface LiveFieldTable {
  fields: ReadonlyMap<string, LiveField>;
  refused: ReadonlyMap<string, string>;
}

/** The `@live` arguments (packages/events LIVE_SPEC.definition). */
interface LiveArguments {
  typename?: string;
  query: string;
  queryIdArgument?: string;
  idArgument?: string;
}

/**
 * Reads the `@live` declarations the subgraphs composed into the supergraph (docs/subscriptions.md).
 * Pure: a function of the supergraph alone, so whoever loads a new supergraph gets its table.
 */
export function liveFieldTable(supergraphSdl: string): LiveFieldTable {
  // Not validated again (nor its features checked): the gateway refuses an invalid supergraph
  // before this runs. Neither is its API schema derived (half the cost): @inaccessible is read
  // where it matters, below.
  const schema = Supergraph.build(supergraphSdl, { validateSupergraph: false, supportedFeatures: null }).schema;
  const fields = new Map<string, LiveField>();
  const refused = new Map<string, string>();
  // The supergraph names directives as its links say (a subgraph may import @live renamed).
  const nameOf = (identity: string, directive: string) =>
    schema.coreFeatures?.getByIdentity(identity)?.directiveNameInSchema(directive);
  const directiveName = nameOf(LIVE_SPEC.identity, LIVE_SPEC.directive);
  const inaccessible = nameOf(inaccessibleIdentity, "inaccessible");
  const accessible = (element: { appliedDirectivesOf(name: string): readonly unknown[] } | undefined) =>
    element !== undefined && (!inaccessible || element.appliedDirectivesOf(inaccessible).length === 0);
  const queryType = schema.schemaDefinition.rootType("query");

  // Only fields clients can select: @inaccessible ones are nobody's concern.
  for (const field of schema.schemaDefinition.rootType("subscription")?.fields() ?? []) {
    if (!accessible(field)) continue;
    const name = field.name;
    const [declaration, ...more] = directiveName ? field.appliedDirectivesOf<LiveArguments>(directiveName) : [];
    if (!declaration) {
      refused.set(name, `Subscription.${name} has no @live declaration in its subgraph's SDL`);
      continue;
    }
    if (more.length > 0) {
      refused.set(name, `Subscription.${name} has more than one @live declaration`);
      continue;
    }
    const args = declaration.arguments();
    const queryIdArgument = args.queryIdArgument ?? "id";
    const typename = args.typename ?? (field.type && baseType(field.type).name);
    if (!typename) {
      refused.set(name, `Subscription.${name} has no type to take the typename of its live updates from`);
      continue;
    }
    const query = queryType?.field(args.query);
    if (!accessible(query) || !query?.argument(queryIdArgument)) {
      refused.set(
        name,
        `Subscription.${name} is read through Query.${args.query}(${queryIdArgument}:), which the supergraph's API does not have`,
      );
      continue;
    }
    const idArgument = args.idArgument;
    // Non-null: a subscription that names no entity would watch nothing.
    if (idArgument !== undefined && field.argument(idArgument)?.type?.kind !== "NonNullType") {
      refused.set(
        name,
        `Subscription.${name} watches the entity its argument ${idArgument} names: it needs such a non-null argument`,
      );
      continue;
    }
    fields.set(name, {
      typename,
      queryField: args.query,
      idArgument: queryIdArgument,
      route:
        idArgument === undefined
          ? (_args, viewer) => ({ by: "owner", ownerId: viewer.id })
          : (values) => ({ by: "id", id: String(values[idArgument]) }),
      initialState: idArgument !== undefined,
    });
  }
  return { fields, refused };
}

/** The hub key a route listens on, and the keys an update is delivered to. */
export const routeKey = (typename: string, route: LiveRoute) =>
  route.by === "id" ? `${typename}:id:${route.id}` : `${typename}:owner:${route.ownerId}`;
export const updateKeys = (update: LiveUpdate) => [
  routeKey(update.typename, { by: "id", id: update.id }),
  routeKey(update.typename, { by: "owner", ownerId: update.ownerId }),
];
