/**
 * `@fedplat/operations/workers`: what the workers process needs, without the subgraph's resolvers
 * and permissions, which the main entry loads (and with them the GraphQL libraries). The server
 * built here loads those on its first request.
 */
export {
  type AuditActor,
  type AuditEvent,
  type AuditLog,
  type AuditOutcome,
  recordAction,
  redisAuditLog,
} from "./auditLog";
export {
  type BulkReplay,
  DEAD_LETTER_SOURCES,
  type DeadLetterEntry,
  type DeadLetterOps,
  OUTBOX_LETTERS,
  unknownQueueProblem,
} from "./deadLetterOps";
export { buildOperationsServer, type OperationsServerDeps } from "./server";
