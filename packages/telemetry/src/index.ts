export { activeTraceparent } from "./traceContext";
export { shutdownTelemetry } from "./shutdownTelemetry";
export { type TelemetryConfig, telemetryConfig } from "./telemetryConfig";
