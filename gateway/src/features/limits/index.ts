import type { GatewayFeature } from "../../feature";
import type { GatewayLimits } from "../../limits";
import { useOperationGuard } from "./useOperationGuard";
import { useQueryLimits } from "./useQueryLimits";
import { useRequestShape } from "./useRequestShape";

export type { QueryLimits } from "./useQueryLimits";
export type { RequestShapeLimits } from "./useRequestShape";

/**
 * What an operation may be: its request shape (batch, tokens, expanded fields, variables) checked
 * on the JSON body before Apollo parses it, its depth, aliases, root fields and directives
 * during validation, and an operationName that names no operation refused as the client's mistake.
 */
export function createLimitsFeature(limits: Pick<GatewayLimits, "query" | "request">): GatewayFeature {
  const query = useQueryLimits(limits.query);
  return {
    name: "limits",
    middleware: [useRequestShape(limits.request)],
    apolloPlugins: [useOperationGuard(), ...query.plugins],
    validationRules: query.validationRules,
  };
}
