export { checkOverrides, type GatewayConfig, loadGatewayConfig, overrideKey, subgraphNames } from "./config";
export { composeSupergraph, CompositionError, readSupergraphConfig } from "./composition/composeSupergraph";
export { defaultLimits, type GatewayLimits } from "./limits";
export type { GatewayFeature, StartedGateway } from "./feature";
export type { RateLimits } from "./features/rateLimits";
export { buildGateway, type GatewayOptions, type GatewayServer } from "./server";
export { apiSchemaOf } from "./composition/apiSchema";
export { runSchemaCheck, type SchemaCheckOptions, type SchemaCheckResult } from "./composition/schemaCheck";
export { formatSchemaCheckReport } from "./composition/schemaCheckReport";
export {
  defaultSubscriptionLimits,
  loadSubscriptionsConfig,
  SubscriptionCloseCode,
  type SubscriptionLimits,
  type Subscriptions,
  type SubscriptionsConfig,
  type SubscriptionStats,
} from "./features/subscriptions";
