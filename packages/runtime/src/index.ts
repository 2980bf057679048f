export * from "./config/index";
export { ErrorCode, appError, badInput, forbidden, mapPrismaError, notFound, unauthenticated } from "./errors";
export { formatErrorFor } from "./formatError";
export {
  databaseCheck,
  type HealthRouterOptions,
  type HealthState,
  type ReadinessCheck,
  healthRouter,
} from "./health";
export { type Logger, createLogger } from "./logger";
export { type PoolUsage, type ServiceMetrics, createMetrics, reportPoolUsage } from "./metrics";
export { type OperationMetricsPrefix, operationMetricNames, useOperationMetrics } from "./operationMetrics";
export { exitOnStartFailure, onShutdown, SUPERVISED_ENV } from "./shutdown";
export { releaseMemoryWhenIdle } from "./idleMemory";
export { type Redis, createRedis, redisOptions } from "./redis";
export { timeOrderedId } from "./ids";
export { lruBound } from "./lruBound";
export { type CommandLineOptions, exitWithUsageError, parseCommandLine, USAGE_EXIT_CODE } from "./commandLine";
export { jsonErrorHandler } from "./httpErrors";
export {
  type AdminEndpoints,
  type AdminListener,
  adminEndpoints,
  adminListenerOf,
  listenOn,
  metricsHandler,
} from "./httpService";
export { createFieldCipher, type FieldCipher, type FieldCipherVariables } from "./fieldCipher";
export { createRandomPool, type RandomPool } from "./randomPool";
export {
  type FileUpload,
  GraphQLUpload,
  isUpload,
  multipartUploads,
  type Upload,
  type UploadLimits,
  uploadErrorStatus,
} from "./uploads";
