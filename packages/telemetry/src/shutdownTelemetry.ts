// The SDK is started by the --import hook, the shutdown is run by the service's signal handler:
// they meet on a global, because the hook and the service may load this module separately.
const KEY = Symbol.for("fedplat.telemetry.shutdown");
type Holder = { [KEY]?: () => Promise<void> };

export function setTelemetryShutdown(shutdown: () => Promise<void>): void {
  (globalThis as Holder)[KEY] = shutdown;
}

/** Flushes spans still buffered and stops the SDK; a no-op when telemetry was not started. Never throws. */
export async function shutdownTelemetry(timeoutMs = 2_000): Promise<void> {
  const shutdown = (globalThis as Holder)[KEY];
  if (!shutdown) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    shutdown().catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
  ]);
  clearTimeout(timer);
}
