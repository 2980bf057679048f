import { createHash } from "node:crypto";
import { DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES } from "@apollo/federation-internals";
import type { Viewer } from "@fedplat/auth";
import { type Logger, lruBound } from "@fedplat/runtime";
import { type DocumentNode, GraphQLError, getOperationAST } from "graphql";
import { LRUCache } from "lru-cache";
import { Counter, type Registry } from "prom-client";
import type { GatewayContext } from "../../context";
import type { GatewayFeature } from "../../feature";
import { type AuthorizedOperation, authorizeOperation, requirementsIn } from "./authorizeOperation";
import { nullRemovedFields } from "./nullRemovedFields";
import type { Policies, PolicyRequest } from "./policies";
import { policyNamesOf, type Requirement, readRequirements } from "./requirements";

export {
  loadPolicies,
  type Policies,
  type PoliciesContext,
  type PoliciesFactory,
  type PolicyDecider,
  type PolicyRequest,
} from "./policies";

/** Apollo Router's code for a field removed by authorization. */
export const UNAUTHORIZED_FIELD_OR_TYPE = "UNAUTHORIZED_FIELD_OR_TYPE";

/** The authorization specs (federation v2.5/v2.6 composes them in) this feature enforces. */
const ENFORCED_SPECS = [
  "https://specs.apollo.dev/authenticated/v0.1",
  "https://specs.apollo.dev/requiresScopes/v0.1",
  "https://specs.apollo.dev/policy/v0.1",
];

/**
 * Lets @apollo/gateway load supergraphs that link the authorization specs. It refuses a
 * `for: SECURITY` feature it does not enforce (only Apollo Router enforces these three); this
 * feature does. The list is @apollo/federation-internals' module-wide default, hence a function
 * that tests building their own ApolloGateway call too.
 */
export function acceptAuthorizationSpecs(): void {
  for (const spec of ENFORCED_SPECS) DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES.add(spec);
}

export interface AuthorizationOptions {
  /** The supergraph served at start: its `@authenticated`, `@requiresScopes` and `@policy`. */
  supergraphSdl: string;
  /** Deciders of `@policy` names (loadPolicies); a name without one is denied. */
  policies: Policies;
  logger: Logger;
  registry: Registry;
  /** Distinct documents (and distinct decisions per document) remembered. @default 1_000 */
  cacheSize?: number;
}

/** True when the caller satisfies `requirement`: authenticated, one full set of each scope list, one full set of each policy list. */
async function satisfies(
  requirement: Requirement,
  viewer: Viewer | null,
  policy: (name: string) => Promise<boolean>,
): Promise<boolean> {
  if (requirement.authenticated && !viewer) return false;
  const granted = new Set(viewer?.scopes ?? []);
  if (viewer === null && requirement.scopes.length > 0) return false;
  if (!requirement.scopes.every((anyOf) => anyOf.some((allOf) => allOf.every((scope) => granted.has(scope)))))
    return false;
  for (const anyOf of requirement.policies) {
    let passed = false;
    for (const allOf of anyOf) {
      if ((await Promise.all(allOf.map(policy))).every(Boolean)) {
        passed = true;
        break;
      }
    }
    if (!passed) return false;
  }
  return true;
}

/**
 * `@authenticated`, `@requiresScopes` and `@policy` at the gateway, with Apollo Router's
 * semantics: before the query planner sees an operation, the fields (and fields of types) the
 * caller may not see are removed, so no subgraph is asked for them; the response has null in
 * their place (non-null ones make their parent null) and an UNAUTHORIZED_FIELD_OR_TYPE error
 * with their path. Scopes are the viewer's (identity); policies are decided by `policies`.
 * graphql-shield in each subgraph stays the second line. Subscriptions are covered too: the
 * gateway serves them by running queries through this same executor (subscriptions/).
 */
export function createAuthorizationFeature(options: AuthorizationOptions): GatewayFeature {
  acceptAuthorizationSpecs();
  const { logger, policies } = options;
  const unauthorized = new Counter({
    name: "gateway_unauthorized_fields_total",
    help: "Fields removed from operations by @authenticated, @requiresScopes or @policy, by coordinate",
    labelNames: ["coordinate"] as const,
    registers: [options.registry],
  });
  const cacheSize = options.cacheSize ?? 1_000;
  // Per document: the requirements it meets; per document and decisions: the rewritten operation.
  const involved = new LRUCache<string, Requirement[]>(lruBound(cacheSize));
  const rewrites = new LRUCache<string, AuthorizedOperation | "unchanged">(lruBound(cacheSize));
  let requirements = readRequirements(options.supergraphSdl);
  const load = (sdl: string) => {
    requirements = readRequirements(sdl);
    involved.clear();
    rewrites.clear();
    const missing = [...policyNamesOf(requirements)].filter((name) => !(name in policies));
    if (missing.length)
      logger.warn({ policies: missing }, "the supergraph names policies without a decider: they deny everyone");
  };
  load(options.supergraphSdl);

  const decide = (request: PolicyRequest) => {
    const decided = new Map<string, Promise<boolean>>();
    return (name: string) => {
      let decision = decided.get(name);
      if (!decision) {
        const decider = policies[name];
        decision = decider
          ? Promise.resolve()
              .then(() => decider(request))
              .then(
                (allowed) => allowed === true,
                (error: unknown) => {
                  logger.warn({ err: error, policy: name }, "a policy failed: denied");
                  return false;
                },
              )
          : Promise.resolve(false);
        decided.set(name, decision);
      }
      return decision;
    };
  };

  return {
    name: "authorization",
    supergraphChanged: ({ supergraphSdl }) => load(supergraphSdl),
    wrapExecutor: (next) => async (requestContext) => {
      const { schema, document, queryHash, operationName } = requestContext;
      const documentKey = `${queryHash}\u0000${operationName ?? ""}`;
      let met = involved.get(documentKey);
      if (!met) {
        met = requirementsIn(schema, requirements, document, operationName);
        involved.set(documentKey, met);
      }
      if (met.length === 0) return next(requestContext);
      // What these fields hold depends on who asks: never a response shared by every caller.
      requestContext.overallCachePolicy?.restrict?.({ scope: "PRIVATE" });
      const viewer = (requestContext.context as GatewayContext).viewer ?? null;
      const policy = decide({ viewer, operationName });
      const decisions = await Promise.all(met.map((requirement) => satisfies(requirement, viewer, policy)));
      const rewriteKey = `${documentKey}\u0000${decisions.map((allowed) => (allowed ? 1 : 0)).join("")}`;
      let rewrite = rewrites.get(rewriteKey);
      if (!rewrite) {
        const allowed = new Set(met.filter((_, index) => decisions[index]));
        rewrite =
          authorizeOperation(schema, requirements, document, operationName, (requirement) =>
            allowed.has(requirement),
          ) ?? "unchanged";
        rewrites.set(rewriteKey, rewrite);
      }
      if (rewrite === "unchanged") return next(requestContext);

      const errors = rewrite.removed.flatMap(({ errorPath, coordinate }) => {
        if (!errorPath) return [];
        if (coordinate) unauthorized.inc({ coordinate });
        return [
          new GraphQLError("Unauthorized field or type", {
            path: errorPath,
            extensions: { code: UNAUTHORIZED_FIELD_OR_TYPE },
          }),
        ];
      });
      const result = rewrite.document
        ? await next(withDocument(requestContext, rewrite.document, rewriteKey))
        : { data: {} };
      return {
        ...result,
        ...(result.data ? { data: nullRemovedFields(result.data, rewrite.removed, rewrite.addedTypenames) } : {}),
        errors: [...errors, ...(result.errors ?? [])],
      };
    },
  };
}

/** The request as the planner should see it: the rewritten document, under a plan-cache key of its own. */
function withDocument<T extends { document: DocumentNode; queryHash: string; operationName: string | null }>(
  requestContext: T,
  document: DocumentNode,
  rewriteKey: string,
): T {
  const operation = getOperationAST(document, requestContext.operationName);
  return {
    ...requestContext,
    document,
    queryHash: createHash("sha256").update(rewriteKey).digest("hex"),
    ...(operation ? { operation } : {}),
  };
}
