export { checkOverrides, type GatewayConfig, loadGatewayConfig, overrideKey, subgraphNames } from "./config";
export { composeSupergraph, CompositionError, readSupergraphConfig } from "./composition/composeSupergraph";
export { defaultLimits, type GatewayLimits } from "./limits";
export { buildGateway, type GatewayOptions, type GatewayServer } from "./server";
export { defaultSubscriptionLimits, loadSubscriptionsConfig, SubscriptionCloseCode, type SubscriptionLimits, type Subscriptions, type SubscriptionsConfig, type SubscriptionStats } from "./subscriptions";
