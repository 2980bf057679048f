export { buildWorkersAdmin, type WorkersAdminOptions } from "./admin";
export {
  type AdminSessionCheck,
  type AdminSessionCheckOptions,
  accountsSessionState,
  createAdminSessionCheck,
  type SessionState,
  type SessionStateLookup,
} from "./adminSessions";
// The operations subgraph the workers serve (subgraphs/operations), re-exported for their callers.
export { type AuditActor, type AuditEvent, type AuditLog, redisAuditLog } from "@fedplat/operations/workers";
export { createProcessor, deadLetterIdOf, deadLetterOf, startConsumer } from "./consumer";
export { type DeadLetterEntry, type DeadLetterOps, deadLetterOps } from "./deadLetters";
export { createGroupCommitter, type GroupCommitOptions } from "./groupCommit";
export { ORDER_EXPIRY_QUEUE } from "./orderExpiry";
export { createOutagePause, type OutagePause } from "./outagePause";
export { isUnreachable } from "./unreachable";
export { eventJobOptions, type RetryPolicy } from "./jobOptions";
export { loadEventServices } from "./eventServices";
export {
  loadWorkersConfig,
  retryPolicyOf,
  type WorkersConfig,
  WORKERS_SIGN_AS,
  workersAdminSection,
  workersKeyringOf,
  workersOrderExpirySection,
  workersQueuesSection,
  workersRelaySection,
  workersRetentionSection,
  workersRetriesSection,
  workersSections,
} from "./config";
export { createReconciler, type Reconciled, type ReconcileSettings, type Reconciler } from "./reconciler";
export { checkRedisForQueues, readRedisSettings, type RedisSettings } from "./redisSettings";
export { createRelay, type OutboxSource, type Relay } from "./relay";
export { MAINTENANCE_QUEUE, type Pruned, pruneDeadLetters, pruneEventTables, type RetentionOptions } from "./retention";
export { REDACTED, redactPersonalData } from "./redact";
export {
  checkWiring,
  createServiceClients,
  type ServiceClients,
  startWorkers,
  type WiredConsumer,
  type Workers,
  type WorkersOptions,
} from "./workers";
export { type AdminLogin, AdminLoginRefused, createGatewayAdminLogin } from "./adminLogin";
