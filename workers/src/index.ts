export { buildWorkersAdmin, typeDefs, type WorkersAdminOptions } from "./admin";
export { type OperationsContext, operationsPermissions, operationsResolvers } from "./operations";
export { createProcessor, deadLetterOf } from "./consumer";
export { type DeadLetterEntry, type DeadLetterOps, deadLetterOps } from "./deadLetters";
export { createGroupCommitter, type GroupCommitOptions } from "./groupCommit";
export { eventJobOptions, type RetryPolicy } from "./jobOptions";
export { loadWorkersConfig } from "./config";
export { createRelay, type OutboxSource, type Relay } from "./relay";
export { createServiceClients, type ServiceClients, startWorkers, type Workers, type WorkersOptions } from "./workers";
