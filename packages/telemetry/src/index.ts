export { activeTraceparent, propagatesTraceContext } from "./traceContext";
export { shutdownTelemetry } from "./shutdownTelemetry";
export { type TelemetryConfig, telemetryConfig } from "./telemetryConfig";
