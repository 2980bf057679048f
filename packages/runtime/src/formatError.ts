import type { GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import type { Logger } from "pino";
import { ErrorCode } from "./errors";

/**
 * Errors with one of our codes reach the client as they are. Anything unexpected is logged
 * with its stack and, in production, replaced by a generic INTERNAL_SERVER_ERROR message.
 */
export function formatErrorFor(logger: Logger, production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (code !== ErrorCode.INTERNAL_SERVER_ERROR && code !== undefined) return formatted;
    logger.error({ err: unwrapResolverError(error), path: formatted.path }, "unexpected error");
    if (!production)
      return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.INTERNAL_SERVER_ERROR } };
    return {
      message: "Internal server error",
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
