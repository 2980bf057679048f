export {
  checkOverrides,
  type GatewayConfig,
  gatewaySections,
  loadGatewayConfig,
  overrideKey,
  subgraphNames,
} from "./config";
export { defaultLimits, type GatewayLimits } from "./limits";
export {
  actualCost,
  type CostModel,
  createCostModel,
  type DemandControlOptions,
  defaultDemandControl,
  estimateCost,
} from "./features/demandControl";
export type { GatewayFeature, StartedGateway } from "./feature";
export type { RateLimits } from "./features/rateLimits";
export { buildGateway, type GatewayOptions, type GatewayServer } from "./server";
export {
  accountsIdentity,
  type ApiKeyResolver,
  type ApiKeyResolverContext,
  type ApiKeyResolverFactory,
  type IdentityConfig,
  type IdentityConfigInput,
  identityConfigSchema,
  loadApiKeyResolver,
  loadIdentityConfig,
} from "./features/identity";
export {
  defaultSubscriptionLimits,
  loadSubscriptionsConfig,
  SubscriptionCloseCode,
  type SubscriptionLimits,
  type Subscriptions,
  type SubscriptionsConfig,
  type SubscriptionStats,
} from "./features/subscriptions";
