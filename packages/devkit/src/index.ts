export { freePort } from "./ports";
export { entryOf, GATEWAY, repoRoot, type ServiceSpec, SUBGRAPHS, WORKERS } from "./services";
export { type RunningService, type SpawnOptions, spawnService, stopService, waitUntilReady } from "./supervisor";
export { createTestDatabase, type TestDatabase } from "./testDatabase";
