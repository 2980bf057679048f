import type { ApolloServerPlugin } from "@apollo/server";
import type { Logger } from "@fedplat/runtime";
import type { GraphQLSchema } from "graphql";
import type { Registry } from "prom-client";
import type { GatewayContext } from "../../context";
import type { GatewayFeature } from "../../feature";
import type { GatewayLimits } from "../../limits";
import type { Credentials } from "../identity";
import type { TrustedDocuments } from "../persistedDocuments";
import type { ConnectionBudget } from "../rateLimits";
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_SESSION_SWEEP_MS,
  defaultSubscriptionLimits,
  type SubscriptionsConfig,
} from "./config";
import { createConnectionAuthenticator } from "./connectionAuth";
import { executeAsViewer } from "./executeAsViewer";
import { type LiveFieldTable, liveFieldTable } from "./liveFields";
import type { LiveUpdateHub } from "./liveUpdateHub";
import { createSubscriptionCore, type SubscriptionCore } from "./subscriptionCore";
import type { SubscriptionStats } from "./subscriptionMetrics";
import { useHttpSubscriptions } from "./useHttpSubscriptions";
import { useWebSocketSubscriptions } from "./useWebSocketSubscriptions";

export { SubscriptionCloseCode } from "./closeCodes";
export {
  defaultSubscriptionLimits,
  loadSubscriptionsConfig,
  type SubscriptionLimits,
  type SubscriptionsConfig,
} from "./config";
export type { SubscriptionStats } from "./subscriptionMetrics";
export { createLiveUpdateHub, type LiveUpdateHub } from "./liveUpdateHub";

export interface SubscriptionsFeatureOptions {
  /** The same credentials as HTTP requests. */
  credentials: Credentials;
  /** The same trusted-documents check as HTTP requests. */
  trustedDocuments: TrustedDocuments;
  /** Per-IP budgets for connection_init (rateLimits feature). @default none */
  budget?: ConnectionBudget;
  /** This replica's live updates; closed by the builder, which shares it with the response cache. */
  hub: LiveUpdateHub;
  logger: Logger;
  registry: Registry;
  production: boolean;
  limits: GatewayLimits;
  config?: Partial<SubscriptionsConfig>;
}

export interface Subscriptions {
  /** Resolves when live updates are being received (readiness). */
  ready(): Promise<void>;
  stats(): SubscriptionStats;
  /** Ends every subscription: graphql-ws connections close with 1001, HTTP streams end with SHUTTING_DOWN. */
  close(): Promise<void>;
  /** See SubscriptionCore.supergraphChanged. */
  supergraphChanged(schema: GraphQLSchema, live: LiveFieldTable): void;
}

export interface SubscriptionsFeature extends GatewayFeature {
  /** Live counts and close; usable once the gateway is built. */
  readonly subscriptions: Subscriptions;
}

/**
 * Subscriptions on /graphql, attached once the supergraph is loaded, over graphql-ws (WebSocket
 * upgrades), GraphQL over SSE and multipart HTTP (this feature's middleware, after every other
 * HTTP layer): the same credentials, limits, trusted documents and execution as HTTP queries on
 * each; which fields are served, and how, comes from the supergraph's `@live` declarations.
 * Apollo's stop drains them (graphql-ws closes with 1001, HTTP streams end) together with HTTP.
 */
export function createSubscriptionsFeature(options: SubscriptionsFeatureOptions): SubscriptionsFeature {
  let attached: { core: SubscriptionCore; webSocket: { close(): Promise<void> } } | undefined;
  const current = () => {
    if (!attached) throw new Error("subscriptions are attached when the gateway is built");
    return attached;
  };
  const authenticate = createConnectionAuthenticator(options.credentials);
  const close = async () => {
    if (!attached) return;
    attached.core.close();
    await attached.webSocket.close();
  };
  const drain: ApolloServerPlugin<GatewayContext> = {
    async serverWillStart() {
      return { drainServer: close };
    },
  };
  const limits = { ...defaultSubscriptionLimits, ...options.config?.limits };
  return {
    name: "subscriptions",
    apolloPlugins: [drain],
    middleware: [
      useHttpSubscriptions({
        core: () => current().core,
        authenticate,
        trustedDocuments: options.trustedDocuments,
        heartbeatMs: options.config?.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
        logger: options.logger,
      }),
    ],
    attach: ({ apollo, apiSchema, supergraphSdl, httpServer, validationRules }) => {
      const core = createSubscriptionCore({
        schema: apiSchema,
        live: liveFieldTable(supergraphSdl),
        execute: executeAsViewer(apollo),
        hub: options.hub,
        limits,
        validationRules,
        maxTokens: options.limits.request.maxTokens,
        maxVariablesBytes: options.limits.request.maxVariablesBytes,
        logger: options.logger,
        registry: options.registry,
        trustedDocuments: options.trustedDocuments,
        sessionSweepMs: options.config?.sessionSweepMs ?? DEFAULT_SESSION_SWEEP_MS,
        shareByRole: options.config?.shareByRole ?? true,
      });
      const webSocket = useWebSocketSubscriptions({
        httpServer,
        core,
        authenticate,
        limits,
        logger: options.logger,
        production: options.production,
        ...(options.budget ? { budget: options.budget } : {}),
      });
      attached = { core, webSocket };
    },
    supergraphChanged: ({ apiSchema, supergraphSdl }) =>
      current().core.supergraphChanged(apiSchema, liveFieldTable(supergraphSdl)),
    readiness: { liveUpdates: () => current().core.ready() },
    subscriptions: {
      ready: () => current().core.ready(),
      stats: () => current().core.stats(),
      close,
      supergraphChanged: (schema, live) => current().core.supergraphChanged(schema, live),
    },
  };
}
