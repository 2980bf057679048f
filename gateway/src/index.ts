export {
  checkOverrides,
  type GatewayConfig,
  gatewaySections,
  loadGatewayConfig,
  overrideKey,
  subgraphNames,
} from "./config";
export { defaultLimits, type GatewayLimits } from "./limits";
export type { GatewayFeature, StartedGateway } from "./feature";
export type { RateLimits } from "./features/rateLimits";
export { buildGateway, type GatewayOptions, type GatewayServer } from "./server";
export {
  defaultSubscriptionLimits,
  loadSubscriptionsConfig,
  SubscriptionCloseCode,
  type SubscriptionLimits,
  type Subscriptions,
  type SubscriptionsConfig,
  type SubscriptionStats,
} from "./features/subscriptions";
