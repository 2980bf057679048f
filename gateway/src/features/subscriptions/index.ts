import type { ApolloServerPlugin } from "@apollo/server";
import type { Logger } from "@fedplat/runtime";
import type { Registry } from "prom-client";
import type { GatewayContext } from "../../context";
import type { GatewayFeature } from "../../feature";
import type { GatewayLimits } from "../../limits";
import type { Credentials } from "../identity";
import type { TrustedDocuments } from "../persistedDocuments";
import type { ConnectionBudget } from "../rateLimits";
import { DEFAULT_SESSION_SWEEP_MS, defaultSubscriptionLimits, type SubscriptionsConfig } from "./config";
import { createConnectionAuthenticator } from "./connectionAuth";
import { executeAsViewer } from "./executeAsViewer";
import { liveFieldTable } from "./liveFields";
import type { LiveUpdateHub } from "./liveUpdateHub";
import { type Subscriptions, useSubscriptions } from "./useSubscriptions";

export { SubscriptionCloseCode } from "./closeCodes";
export {
  defaultSubscriptionLimits,
  loadSubscriptionsConfig,
  type SubscriptionLimits,
  type SubscriptionsConfig,
} from "./config";
export type { Subscriptions, SubscriptionStats } from "./useSubscriptions";
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

export interface SubscriptionsFeature extends GatewayFeature {
  /** Live counts and close; usable once the gateway is built. */
  readonly subscriptions: Subscriptions;
}

/**
 * graphql-ws subscriptions on /graphql, attached once the supergraph is loaded: the same
 * credentials, limits, trusted documents and execution as HTTP queries; which fields are served,
 * and how, comes from the supergraph's `@live` declarations. Apollo's stop drains
 * them (closing every connection with 1001) together with HTTP.
 */
export function createSubscriptionsFeature(options: SubscriptionsFeatureOptions): SubscriptionsFeature {
  let attached: Subscriptions | undefined;
  const current = () => {
    if (!attached) throw new Error("subscriptions are attached when the gateway is built");
    return attached;
  };
  const drain: ApolloServerPlugin<GatewayContext> = {
    async serverWillStart() {
      return { drainServer: async () => attached?.close() };
    },
  };
  return {
    name: "subscriptions",
    apolloPlugins: [drain],
    attach: ({ apollo, apiSchema, supergraphSdl, httpServer, validationRules }) => {
      attached = useSubscriptions({
        httpServer,
        schema: apiSchema,
        live: liveFieldTable(supergraphSdl),
        execute: executeAsViewer(apollo),
        authenticate: createConnectionAuthenticator(options.credentials),
        hub: options.hub,
        limits: { ...defaultSubscriptionLimits, ...options.config?.limits },
        validationRules,
        maxTokens: options.limits.request.maxTokens,
        maxVariablesBytes: options.limits.request.maxVariablesBytes,
        logger: options.logger,
        registry: options.registry,
        production: options.production,
        trustedDocuments: options.trustedDocuments,
        sessionSweepMs: options.config?.sessionSweepMs ?? DEFAULT_SESSION_SWEEP_MS,
        ...(options.budget ? { budget: options.budget } : {}),
      });
    },
    supergraphChanged: ({ apiSchema, supergraphSdl }) =>
      current().supergraphChanged(apiSchema, liveFieldTable(supergraphSdl)),
    readiness: { liveUpdates: () => current().ready() },
    subscriptions: {
      ready: () => current().ready(),
      stats: () => current().stats(),
      close: () => current().close(),
      supergraphChanged: (schema, live) => current().supergraphChanged(schema, live),
    },
  };
}
