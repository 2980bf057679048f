import type { ApolloServerPlugin } from "@apollo/server";
import type { Logger } from "@fedplat/runtime";
import type { GatewayContext } from "../../context";

/** One log line per operation: name, duration and error codes, never variables (they may hold secrets). */
export function useRequestLogging(logger: Logger): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, errors, response }) {
          const codes = (errors ?? []).map((error) => error.extensions.code ?? "UNKNOWN");
          logger.info(
            {
              requestId: contextValue.requestId,
              operationName: operationName ?? null,
              durationMs: Math.round(performance.now() - started),
              status: response.http.status ?? 200,
              ...(codes.length ? { errors: codes } : {}),
            },
            "graphql request",
          );
        },
      };
    },
  };
}
