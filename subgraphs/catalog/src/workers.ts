/**
 * What the workers process loads from this service (@fedplat/catalog/workers): its event service.
 * Not the package's index, which brings the GraphQL server: the workers would load its modules
 * (Apollo Server, the schema, graphql-shield) and keep them in memory for nothing.
 */
export { eventService } from "./events/eventService";
