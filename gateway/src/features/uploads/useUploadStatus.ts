import type { ApolloServerPlugin } from "@apollo/server";
import { ErrorCode } from "@fedplat/runtime";
import type { GatewayContext } from "../../context";

const TOO_LARGE = new Set<unknown>([ErrorCode.UPLOAD_TOO_LARGE, ErrorCode.UPLOAD_TOO_MANY_FILES]);

/**
 * A file over the size limit is found while the operation runs (as it streams to the subgraph),
 * so its error reaches Apollo as an execution error, answered 200 by default: the response says
 * 413, as when the request is refused before GraphQL runs.
 */
export function useUploadStatus(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== "single") return;
          const errors = response.body.singleResult.errors ?? [];
          if (errors.some((error) => TOO_LARGE.has(error.extensions?.code))) response.http.status = 413;
        },
      };
    },
  };
}
