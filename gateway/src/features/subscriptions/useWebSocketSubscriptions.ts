import type http from "node:http";
import { ErrorCode, type Logger } from "@fedplat/runtime";
import { GraphQLError } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { ConnectionBudget } from "../rateLimits";
import { SubscriptionCloseCode } from "./closeCodes";
import type { SubscriptionLimits } from "./config";
import { authenticationRefusal, type ConnectionIdentity } from "./connectionAuth";
import type { AdmittedConnection, SubscriptionCore, SubscriptionExecution } from "./subscriptionCore";

export interface WebSocketSubscriptionsOptions {
  /** The gateway's HTTP server: WebSocket upgrades on /graphql share its port. */
  httpServer: http.Server;
  core: SubscriptionCore;
  authenticate(params: Record<string, unknown> | undefined): Promise<ConnectionIdentity>;
  limits: Pick<SubscriptionLimits, "maxPerConnection" | "maxMessageBytes">;
  logger: Logger;
  /** Hides internal error messages in close reasons. */
  production: boolean;
  /** Per-IP budgets for connection_init (rateLimits feature): over them, 4429 before credentials are looked up. @default none */
  budget?: ConnectionBudget;
}

// graphql-ws's per-connection context object: the key of its admitted connection here.
type LiveContext = object;

const error = (message: string, code: string) => [new GraphQLError(message, { extensions: { code } })];

/**
 * The graphql-transport-ws protocol on the gateway's own port: connection_init carries the
 * credentials, each subscribe message one subscription of the core (subscriptionCore.ts), and a
 * connection's end is a close code (closeCodes.ts). Resolves `close` once every socket is closed.
 */
export function useWebSocketSubscriptions(options: WebSocketSubscriptionsOptions): { close(): Promise<void> } {
  const { core, limits } = options;
  const admitted = new Map<LiveContext, AdmittedConnection>();

  const wss = new WebSocketServer({ server: options.httpServer, path: "/graphql", maxPayload: limits.maxMessageBytes });
  const server = useServer<Record<string, unknown>>(
    {
      schema: () => core.schema(),
      isProd: options.production,
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        let identity: ConnectionIdentity;
        try {
          const limited = await options.budget?.admit(request);
          if (limited) {
            core.refused("rate_limited");
            socket.close(SubscriptionCloseCode.RateLimited, `${limited.message}; retry in ${limited.retryAfter} s`);
            return false;
          }
          identity = await options.authenticate(ctx.connectionParams);
        } catch (cause) {
          const refusal = authenticationRefusal(cause, options.logger, (reason) => core.refused(reason));
          // Best effort, as over HTTP: a failure to count must not change the refusal.
          if (refusal.code === SubscriptionCloseCode.Unauthorized)
            await options.budget?.refused(request).catch(() => undefined);
          socket.close(refusal.code, refusal.message); // before graphql-ws's own 4403 for `false`
          return false;
        }
        if (socket.readyState !== socket.OPEN) return false; // gone while being authenticated
        const connection = core.admit({
          identity,
          isOpen: () => socket.readyState === socket.OPEN,
          close: (code, reason) => socket.close(code, reason),
        });
        if (!("subscribe" in connection)) {
          socket.close(connection.code, connection.reason);
          return false;
        }
        admitted.set(ctx, connection);
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const connection = admitted.get(ctx);
        if (!connection) return error("Not connected", ErrorCode.UNAUTHENTICATED);
        // graphql-ws lists this subscription already (while it is being set up).
        if (Object.keys(ctx.subscriptions).length > limits.maxPerConnection) {
          core.refused("too_many_subscriptions");
          return error(
            `Too many subscriptions on this connection (limit ${limits.maxPerConnection})`,
            "TOO_MANY_SUBSCRIPTIONS",
          );
        }
        return connection.subscribe(payload);
      },
      subscribe: (args) => (args as SubscriptionExecution).contextValue.subscription,
      onClose: (ctx) => {
        admitted.get(ctx)?.release();
        admitted.delete(ctx);
      },
    },
    wss,
  );
  return { close: async () => server.dispose() };
}
