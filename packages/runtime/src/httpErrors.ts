import type { ErrorRequestHandler } from "express";
import type { Logger } from "pino";

const KNOWN: Record<string, { status: number; message: string }> = {
  "entity.parse.failed": { status: 400, message: "Request body is not valid JSON" },
  "entity.too.large": { status: 413, message: "Request body is too large" },
  "encoding.unsupported": { status: 415, message: "Unsupported content encoding" },
  "charset.unsupported": { status: 415, message: "Unsupported charset" },
};

/**
 * Last express middleware: errors raised before GraphQL runs (body parsing, size limit) become
 * a GraphQL-shaped JSON error with the right status. Express's default handler would answer
 * with an HTML page holding the stack trace.
 */
export function jsonErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const type = typeof error === "object" && error !== null ? (error as { type?: unknown }).type : undefined;
    const known = typeof type === "string" ? KNOWN[type] : undefined;
    if (!known) logger.error({ err: error }, "unhandled HTTP error");
    const { status, message } = known ?? { status: 500, message: "Internal server error" };
    res
      .status(status)
      .json({ errors: [{ message, extensions: { code: status === 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST" } }] });
  };
}
