import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError } from "graphql";

/**
 * An operationName that names no operation in the document is the client's mistake (400);
 * @apollo/gateway would otherwise fail while planning and answer 500.
 */
export function useOperationGuard(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          if (!operation) {
            throw new GraphQLError(`Unknown operation named "${String(request.operationName ?? "")}"`, {
              extensions: { code: "BAD_REQUEST", http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
