import { shutdownTelemetry } from "@fedplat/telemetry";
import type { Logger } from "pino";
import { ConfigError } from "./config";

/**
 * Runs `close` once on SIGINT/SIGTERM, flushes telemetry and exits; a second signal, or `close`
 * taking longer than `timeoutMs`, exits at once with status 1 so a stuck dependency cannot keep
 * the process alive.
 */
export function onShutdown(logger: Logger, close: () => Promise<void>, timeoutMs = 10_000): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, "second signal, exiting now");
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error("shutdown timed out");
      process.exit(1);
    }, timeoutMs).unref();
    // Spans still buffered are flushed last, so the shutdown's own spans are exported too.
    close().then(
      async () => {
        await shutdownTelemetry();
        logger.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

/**
 * Logs a failed start and exits, so a half-started process never keeps running. Invalid
 * configuration is the user's to fix, so it is printed as plain text, without a stack.
 */
export function exitOnStartFailure(logger: Logger) {
  return (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      logger.fatal("invalid configuration");
    } else {
      logger.fatal({ err: error }, error instanceof Error ? error.message : "start failed");
    }
    process.exit(1);
  };
}
