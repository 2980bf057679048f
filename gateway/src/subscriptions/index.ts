import type http from "node:http";
import type { ApolloServer } from "@apollo/server";
import type { Logger, TokenVerifier } from "@fedplat/common";
import type { GraphQLSchema, ValidationRule } from "graphql";
import type { Registry } from "prom-client";
import type { ApiKeyResolver } from "../apiKeyResolver";
import type { GatewayContext } from "../context";
import type { GatewayLimits } from "../limits";
import type { ConnectionBudget } from "../plugins/useRateLimit";
import type { PersistedDocumentManifest, TrustedDocumentsMode } from "../persistedQueries";
import { defaultSubscriptionLimits, type SubscriptionsConfig } from "./config";
import { createConnectionAuthenticator } from "./connectionAuth";
import { executeAsViewer } from "./executeAsViewer";
import type { LiveUpdateHub } from "./liveUpdateHub";
import { type Subscriptions, useSubscriptions } from "./useSubscriptions";

export { SubscriptionCloseCode } from "./closeCodes";
export { defaultSubscriptionLimits, loadSubscriptionsConfig, type SubscriptionLimits, type SubscriptionsConfig } from "./config";
export type { Subscriptions, SubscriptionStats } from "./useSubscriptions";
export { createLiveUpdateHub, type LiveUpdateHub } from "./liveUpdateHub";

export interface GatewaySubscriptionsOptions {
  apollo: ApolloServer<GatewayContext>;
  apiSchema: GraphQLSchema;
  httpServer: http.Server;
  verifyToken: TokenVerifier;
  apiKeys: ApiKeyResolver;
  hub: LiveUpdateHub;
  logger: Logger;
  registry: Registry;
  production: boolean;
  limits: GatewayLimits;
  validationRules: readonly ValidationRule[];
  config?: Partial<SubscriptionsConfig>;
  /** Per-IP budgets for connection_init. @default none */
  budget?: ConnectionBudget;
  /** The HTTP endpoint's trusted-documents mode and manifest. @default { mode: "off" } */
  trustedDocuments?: { mode: TrustedDocumentsMode; manifest?: PersistedDocumentManifest };
}

/** Subscriptions on a built gateway: the same credentials, limits and execution as its HTTP queries. */
export function attachSubscriptions(options: GatewaySubscriptionsOptions): Subscriptions {
  return useSubscriptions({
    httpServer: options.httpServer,
    schema: options.apiSchema,
    execute: executeAsViewer(options.apollo),
    authenticate: createConnectionAuthenticator({ verifyToken: options.verifyToken, apiKeys: options.apiKeys }),
    hub: options.hub,
    limits: { ...defaultSubscriptionLimits, ...options.config?.limits },
    validationRules: options.validationRules,
    maxTokens: options.limits.request.maxTokens,
    maxVariablesBytes: options.limits.request.maxVariablesBytes,
    logger: options.logger,
    registry: options.registry,
    production: options.production,
    ...(options.budget ? { budget: options.budget } : {}),
    ...(options.trustedDocuments ? { trustedDocuments: options.trustedDocuments } : {}),
  });
}
