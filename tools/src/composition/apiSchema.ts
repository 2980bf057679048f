import { Supergraph } from "@apollo/federation-internals";
import type { GraphQLSchema } from "graphql";

/**
 * The schema clients see: the supergraph without federation's join/link machinery and without
 * @inaccessible elements. Changes are judged on this schema because it is the client contract.
 */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  // Read, not served: whether a server enforces the supergraph's `for: SECURITY` features
  // (@authenticated, @requiresScopes, @policy) is that server's check, not the schema diff's.
  // With @defer: the gateway serves it (queryPlannerConfig.incrementalDelivery), so clients use it.
  return Supergraph.build(supergraphSdl, { supportedFeatures: null })
    .apiSchema()
    .toGraphQLJSSchema({ includeDefer: true });
}
