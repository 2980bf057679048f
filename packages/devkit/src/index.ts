export { bearer, graphqlRequest, type GraphQLResponse } from "./graphqlRequest";
export {
  ACCEPT,
  type HttpSubscription,
  type HttpSubscriptionRequest,
  type HttpTransport,
  openHttpSubscription,
  type StreamError,
  type StreamResult,
} from "./httpSubscription";
export { type TestFile, testPng, uploadRequest } from "./uploads";
export { freePort } from "./ports";
export {
  type BuildKind,
  DIST_CONDITION,
  entryOf,
  GATEWAY,
  nodeArgsOf,
  PRODUCTION_MALLOC_ENV,
  processOf,
  repoRoot,
  type ServiceSpec,
  SUBGRAPHS,
  subgraphUrlOverrides,
  TELEMETRY_REGISTER_DIST,
  telemetryRegister,
  WORKERS,
} from "./services";
export {
  adminBaseOf,
  MissingBuildError,
  type RunningService,
  type SpawnOptions,
  spawnService,
  stopService,
  waitUntilReady,
} from "./supervisor";
export { createTestDatabase, type TestDatabase } from "./testDatabase";
export {
  type DemoAccount,
  demoAccount,
  gatewayHeaders,
  startTestSubgraph,
  TEST_GATEWAY_KEY,
  TEST_IDENTITY_ENV,
  TEST_IDENTITY_TRUST,
  TEST_JWT_SECRET,
  TEST_ORDERS_SERVICE_KEY,
  TEST_PREVIOUS_GATEWAY_KEY,
  TEST_PII_KEYS,
  type TestSubgraph,
  type TestIdentity,
  type TestSubgraphOptions,
  type TestViewer,
  testViewerOf,
} from "./testSubgraph";
export { type OwnedPostgres, startOwnedPostgres } from "./ownedPostgres";
export { listening, type OwnedRedis, startOwnedRedis } from "./ownedRedis";
export { TEST_EVENT_KEYS, TEST_ROTATED_EVENT_KEYS, TEST_ROTATED_EVENT_PII_KEY, useTestEventKeys } from "./eventKeys";
export { waitFor } from "./waitFor";
