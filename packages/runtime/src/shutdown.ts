import { shutdownTelemetry } from "@fedplat/telemetry";
import type { Logger } from "pino";
import { ConfigError, loadConfig, processSection } from "./config";

/** Set by the devkit's supervisor: the process's stdin is a pipe from its supervisor, closed when the supervisor dies. */
export const SUPERVISED_ENV = "FEDPLAT_SUPERVISED";

/**
 * Runs `close` once on SIGINT/SIGTERM, flushes telemetry and exits; a second signal, or `close`
 * taking longer than `timeoutMs`, exits at once with status 1 so a stuck dependency cannot keep
 * the process alive. A supervised process (SUPERVISED_ENV=stdin) also shuts down when its
 * supervisor is gone, however it died (a SIGKILLed test run, a closed terminal): its services
 * run in their own process groups, so nothing else would stop them.
 */
export function onShutdown(logger: Logger, close: () => Promise<void>, timeoutMs = 10_000): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals | "supervisor gone") => {
    if (closing) {
      if (signal === "supervisor gone") return;
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
  if (loadConfig({ process: processSection }).process.supervised === "stdin") {
    // Nothing is ever written to this pipe: its end means the supervisor's side was closed.
    process.stdin.on("end", () => handler("supervisor gone"));
    process.stdin.on("error", () => handler("supervisor gone"));
    process.stdin.resume();
  }
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
