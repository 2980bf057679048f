// What the workers use (./workers), plus the subgraph's schema, resolvers and permissions.
export * from "./workers";
export { isAuditCursor } from "./auditLog";
export type { OperationsContext } from "./context";
export { operationsPermissions } from "./permissions";
export { OPERATIONS_AUDIT_ACTIONS, operationsResolvers } from "./resolvers";
export { typeDefs } from "./server";
