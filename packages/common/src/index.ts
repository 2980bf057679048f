export { ConfigError, envVars, loadDotEnv, parseEnv, redactUrl, serviceDatabaseUrl } from "./config";
export { type Connection, MAX_PAGE_SIZE, decodeCursor, encodeCursor, isUuid, pageSize, paginate } from "./connection";
export { ErrorCode, appError, badInput, forbidden, mapPrismaError, notFound, unauthenticated } from "./errors";
export { formatErrorFor } from "./formatError";
export { type HealthRouterOptions, type HealthState, type ReadinessCheck, healthRouter } from "./health";
export {
  createTokenVerifier,
  isStaff,
  LEGACY_KEY_ID,
  parseSigningKeys,
  requireViewer,
  type Role,
  signAccessToken,
  type TokenSigningKey,
  type TokenVerification,
  type TokenVerifier,
  verifyAccessToken,
  type Viewer,
  viewerFromAuthorization,
} from "./identity";
export { type Logger, createLogger } from "./logger";
export { type ServiceMetrics, createMetrics } from "./metrics";
export { type OperationMetricsPrefix, operationMetricNames, useOperationMetrics } from "./operationMetrics";
export {
  type PrismaClientSettings,
  type QueryEventSource,
  countStatements,
  prismaClientOptions,
  type SqlStatements,
  sqlOf,
  sqlPoolOf,
  sqlStatements,
  withSqlPool,
} from "./prisma";
export { scalarResolvers } from "./scalars";
export { exitOnStartFailure, onShutdown, SUPERVISED_ENV } from "./shutdown";
export {
  type BaseContext,
  type SubgraphServer,
  type SubgraphServerOptions,
  buildSubgraphServer,
} from "./subgraphServer";
export { createByIdLoader, createGroupLoader, createLimitedGroupLoader, createUniqueLoader } from "./loaders";
export {
  type PrismaLike,
  type RunSubgraphOptions,
  type SubgraphDeps,
  databaseCheck,
  runSubgraph,
} from "./subgraphRuntime";
export { type NewestPerParentOptions, type RawQuerySource, newestIdsPerParent } from "./newestPerParent";
export { type Redis, createRedis, redisOptions } from "./redis";
export { timeOrderedId } from "./ids";
export { jsonErrorHandler } from "./httpErrors";
export {
  type AdminEndpoints,
  type AdminListener,
  adminEndpoints,
  adminListenerOf,
  listenOn,
  metricsHandler,
} from "./httpService";
export {
  type Caller,
  type CallerIdentity,
  createCallerIdentityVerifier,
  IDENTITY_HEADER,
  type IdentityTrust,
  signCallerIdentity,
  verifyCallerIdentity,
} from "./callerIdentity";
export {
  generateIdentityKeyPair,
  parseSigningKey,
  parseVerifyKeys,
  publicJwkOf,
  type SigningKey,
  type VerifyKeys,
} from "./identityKeys";
export {
  allow,
  and,
  deny,
  type IRules,
  isAdmin,
  isAuthenticated,
  isGatewayCall,
  isStaff as isStaffRule,
  isUser,
  or,
  ownedBy,
  type ServiceAccess,
  type SubgraphRules,
  withPermissions,
} from "./permissions";
export { createFieldCipher, type FieldCipher, type FieldCipherVariables } from "./fieldCipher";
export { callSubgraph, type ServiceCall } from "./serviceCall";
export { type AuditedAction, type AuditNote, type AuditRow, auditActionFilter, runAudited } from "./audit";
