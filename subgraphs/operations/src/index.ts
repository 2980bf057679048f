export {
  type AuditActor,
  type AuditEvent,
  type AuditLog,
  type AuditOutcome,
  isAuditCursor,
  recordAction,
  redisAuditLog,
} from "./auditLog";
export type { OperationsContext } from "./context";
export {
  type BulkReplay,
  DEAD_LETTER_SOURCES,
  type DeadLetterEntry,
  type DeadLetterOps,
  OUTBOX_LETTERS,
  unknownQueueProblem,
} from "./deadLetterOps";
export { operationsPermissions } from "./permissions";
export { OPERATIONS_AUDIT_ACTIONS, operationsResolvers } from "./resolvers";
export { buildOperationsServer, type OperationsServerDeps, typeDefs } from "./server";
