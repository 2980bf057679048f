import type { GraphQLResolveInfo, GraphQLSchema } from "graphql";
import { applyMiddleware, type IMiddlewareFunction } from "graphql-middleware";
import { allow, deny, type IRules, type or, rule, shield } from "graphql-shield";
import { type Caller, hasRole as viewerHasRole, hasScope as viewerHasScope, type Viewer } from "@fedplat/auth";
import { forbidden, unauthenticated } from "@fedplat/runtime";
import { rejectNulBytes } from "./rejectNulBytes";

export { allow, and, deny, or } from "graphql-shield";
export type { IRules } from "graphql-shield";

interface RuleContext {
  viewer: Viewer | null;
  caller: Caller;
}

/** Any logged-in user or API key. */
export const isAuthenticated = rule({ cache: "contextual" })(
  (_parent, _args, ctx: RuleContext) => ctx.viewer !== null || unauthenticated(),
);

/** A person logged in with a token, not an API key (keys act for integrations, not for someone). */
export const isUser = rule({ cache: "contextual" })((_parent, _args, ctx: RuleContext) =>
  !ctx.viewer
    ? unauthenticated()
    : ctx.viewer.kind !== "apiKey" || forbidden("API keys cannot do this; log in as a user"),
);

/**
 * The viewer holds at least one of `roles`: each service names its own roles, e.g.
 * `const isStaff = hasRole("STAFF", "ADMIN")` (define a rule once per module: graphql-shield
 * caches a rule's answer per request by its instance).
 */
export function hasRole(...roles: string[]) {
  return rule({ cache: "contextual" })((_parent, _args, ctx: RuleContext) =>
    !ctx.viewer ? unauthenticated() : viewerHasRole(ctx.viewer, ...roles) || forbidden(),
  );
}

/** The viewer's token grants at least one of `scopes` (OAuth scopes from the issuer's scope claim). */
export function hasScope(...scopes: string[]) {
  return rule({ cache: "contextual" })((_parent, _args, ctx: RuleContext) =>
    !ctx.viewer ? unauthenticated() : viewerHasScope(ctx.viewer, ...scopes) || forbidden(),
  );
}

/** Fields the gateway itself needs (e.g. API key look-up), never reachable through the public graph. */
export const isGatewayCall = rule({ cache: "contextual" })(
  (_parent, _args, ctx: RuleContext) => ctx.caller.kind === "gateway" || forbidden(),
);

/**
 * The viewer owns what the field touches (`ownerOf` returns its owner's user id, from the parent
 * object or the arguments), or holds one of `anyOf` roles (the service's staff roles, e.g.
 * `{ orRoles: ["STAFF", "ADMIN"] }`). Not cached: it depends on the parent, and it is cheap.
 */
export function ownedBy<TParent, TArgs = Record<string, unknown>>(
  ownerOf: (parent: TParent, args: TArgs) => string | null | undefined,
  options: { orRoles?: readonly string[] } = {},
) {
  const orRoles = options.orRoles ?? [];
  return rule({ cache: "no_cache" })((parent: TParent, args: TArgs, ctx: RuleContext) => {
    if (!ctx.viewer) return unauthenticated();
    return viewerHasRole(ctx.viewer, ...orRoles) || ownerOf(parent, args) === ctx.viewer.id || forbidden();
  });
}

/**
 * What each service calling this subgraph directly (with its own key, not through the gateway)
 * may resolve: "Type.field" names. A service caller has no viewer and no role; anything not
 * listed is FORBIDDEN for it, whatever the field's rule would allow an anonymous client.
 */
export type ServiceAccess = Readonly<Record<string, readonly string[]>>;

type FieldResolve = (parent: unknown, args: unknown, ctx: RuleContext, info: GraphQLResolveInfo) => unknown;

/**
 * Least privilege for service callers: only their listed fields resolve. Synchronous, so a
 * plain field stays a plain value for the gateway's requests (no promise per field).
 */
function serviceScope(access: ServiceAccess): IMiddlewareFunction {
  const allowed = new Map(Object.entries(access).map(([service, fields]) => [service, new Set(fields)]));
  const scoped = (
    resolve: FieldResolve,
    parent: unknown,
    args: unknown,
    ctx: RuleContext,
    info: GraphQLResolveInfo,
  ) => {
    if (
      ctx.caller.kind === "service" &&
      !allowed.get(ctx.caller.name)?.has(`${info.parentType.name}.${info.fieldName}`)
    ) {
      throw forbidden(`The ${ctx.caller.name} service may not read ${info.parentType.name}.${info.fieldName}`);
    }
    return resolve(parent, args, ctx, info);
  };
  // graphql-middleware's types demand a promise; it passes a synchronous result through as is.
  return scoped as unknown as IMiddlewareFunction;
}

/**
 * Wraps a subgraph schema with graphql-shield: deny by default, so a field without a rule is
 * FORBIDDEN; resolvers' own coded errors pass through unchanged. Service callers are further
 * held to `serviceAccess` (none listed: a service may resolve nothing).
 */
export function withPermissions(
  schema: GraphQLSchema,
  rules: SubgraphRules,
  serviceAccess: ServiceAccess = {},
): GraphQLSchema {
  // Federation's entry points: every request already carries the gateway's signed identity,
  // and each entity type's own rules decide what a reference may reveal.
  const query = rules.Query;
  const queryFields = query === undefined ? {} : isFieldMap(query) ? query : { "*": query }; // a rule for the whole type covers every other field
  const withFederation: SubgraphRules = {
    ...rules,
    // _entities exists only in subgraphs that declare entities
    Query: {
      ...queryFields,
      _service: allow,
      ...(schema.getQueryType()?.getFields()._entities ? { _entities: allow } : {}),
    },
    _Service: allow,
  };
  return applyMiddleware(
    schema,
    // Outermost: a service caller learns only that it may not, before any other rule runs.
    serviceScope(serviceAccess),
    shield(withFederation as IRules, {
      fallbackRule: deny,
      fallbackError: () => forbidden(),
      allowExternalErrors: true,
      debug: false,
    }),
    rejectNulBytes,
  );
}

/** Field maps are plain objects; rules are class instances. */
function isFieldMap(value: ShieldRule | Record<string, ShieldRule>): value is Record<string, ShieldRule> {
  return Object.getPrototypeOf(value) === Object.prototype;
}

/** One graphql-shield rule (a rule, or a logic rule such as or(...)). */
export type ShieldRule = Parameters<typeof or>[number];

/** Rules per type: one rule for the whole type, or one per field ("*" for the rest). */
export type SubgraphRules = Record<string, ShieldRule | Record<string, ShieldRule>>;
