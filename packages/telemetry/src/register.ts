/**
 * Loaded with `node --import` before the service's own code (see packages/devkit's supervisor and
 * each workspace's start script), so the instrumentations patch http, express, graphql, ioredis,
 * pino and Prisma before anything requires them.
 */
import { setTelemetryShutdown } from "./shutdownTelemetry";
import { startTelemetry } from "./startTelemetry";
import { telemetryConfig } from "./telemetryConfig";

const sdk = startTelemetry(telemetryConfig());
setTelemetryShutdown(() => sdk.shutdown());
