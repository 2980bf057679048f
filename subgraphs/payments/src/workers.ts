/**
 * What the workers process loads from this service (@fedplat/payments/workers): its event service and the payment provider.
 * Not the package's index, which brings the GraphQL server: the workers would load its modules
 * (Apollo Server, the schema, graphql-shield) and keep them in memory for nothing.
 */
export { eventService } from "./events/eventService";
export { paymentProviderSection } from "./provider/config";
export { simulatedProvider } from "./provider/simulatedProvider";
