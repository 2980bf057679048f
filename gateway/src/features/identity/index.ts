import {
  createTokenVerifier,
  IDENTITY_HEADER,
  type SigningKey,
  type TokenVerifier,
  untrackedViewer,
  type Viewer,
} from "@fedplat/auth";
import type { Logger } from "@fedplat/runtime";
import type { Request } from "express";
import { decodeJwt } from "jose";
import type { GatewayFeature } from "../../feature";
import { type AccountsDispatcher, type ApiKeyResolver, createApiKeyResolver } from "./apiKeyResolver";
import type { IdentityConfig } from "./config";
import { createIdentitySigner } from "./identitySigner";
import { createSessionChecker } from "./sessionChecker";
import { useIdentity } from "./useIdentity";

export type { AccountsDispatcher, ApiKeyResolver } from "./apiKeyResolver";
export { type ApiKeyResolverContext, type ApiKeyResolverFactory, loadApiKeyResolver } from "./apiKeyResolvers";
export {
  accountsIdentity,
  type IdentityConfig,
  type IdentityConfigInput,
  identityConfigSchema,
  issuerSchema,
  loadIdentityConfig,
} from "./config";

/** How callers prove who they are: shared by HTTP (this feature) and graphql-ws (subscriptions). */
export interface Credentials {
  verifyToken: TokenVerifier;
  apiKeys: ApiKeyResolver;
  /**
   * The session check inside verifyToken (cached per user) for a token's viewer, to re-check it
   * later; undefined when sessions are off or the token's issuer has none (an identity provider's).
   */
  sessionCheckOf(token: string): ((viewer: Viewer) => Promise<Viewer>) | undefined;
}

export interface CredentialsOptions {
  /** The accounts subgraph: API keys and sessions are looked up there. */
  accountsUrl: string;
  /** The connection pool for accounts (its client certificate when accounts requires mTLS). @default the global one */
  accountsDispatcher?: AccountsDispatcher;
  /** Roles, issuers and the API-key resolver (config.ts). */
  identity: IdentityConfig;
  signingKey: SigningKey;
  /** See GatewayOptions.sessions: checks apply to the issuers with sessions (accounts' by default). */
  sessions?: { cacheMs?: number };
  /** The API-key resolver (loadApiKeyResolver loads the one identity.apiKeyResolver names); unset: accounts'. */
  apiKeys?: ApiKeyResolver;
  apiKeyCacheMs?: number;
  apiKeyCacheSize?: number;
  /** Told when accounts cannot answer a session check. @default silent */
  logger?: Pick<Logger, "warn">;
}

export function createCredentials(options: CredentialsOptions): Credentials {
  const checkSession = options.sessions
    ? createSessionChecker({
        accountsUrl: options.accountsUrl,
        signingKey: options.signingKey,
        cacheMs: options.sessions.cacheMs,
        ...(options.accountsDispatcher ? { accountsDispatcher: options.accountsDispatcher } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      })
    : undefined;
  const { identity } = options;
  const withSessions = new Set(
    identity.issuers.filter((issuer) => issuer.sessions ?? issuer.keys.kind === "hs256").map((issuer) => issuer.issuer),
  );
  const issuerOf = (token: string) => {
    try {
      return decodeJwt(token).iss;
    } catch {
      return undefined;
    }
  };
  return {
    verifyToken: createTokenVerifier(identity.issuers, {
      roles: identity.roles,
      ...(checkSession ? { checkSession } : {}),
    }),
    sessionCheckOf: (token) => {
      const issuer = issuerOf(token);
      return checkSession && issuer !== undefined && withSessions.has(issuer) ? checkSession : undefined;
    },
    apiKeys: options.apiKeys ?? accountsResolver(options),
  };
}

/** accounts' resolver, when the configuration names no other (a named module is loaded by loadApiKeyResolver). */
function accountsResolver(options: CredentialsOptions): ApiKeyResolver {
  if (options.identity.apiKeyResolver !== "accounts")
    throw new Error(
      `API key resolver "${options.identity.apiKeyResolver}" is not loaded: pass loadApiKeyResolver's result as apiKeys`,
    );
  return createApiKeyResolver({
    accountsUrl: options.accountsUrl,
    signingKey: options.signingKey,
    cacheMs: options.apiKeyCacheMs,
    cacheSize: options.apiKeyCacheSize,
    ...(options.accountsDispatcher ? { accountsDispatcher: options.accountsDispatcher } : {}),
  });
}

export interface IdentityFeatureOptions {
  credentials: Credentials;
  /** The gateway's Ed25519 key: signs the viewer's identity for each subgraph. */
  signingKey: SigningKey;
  /** Told of each request refused with 401 for its token or API key (per-IP counting of bad credentials). */
  onInvalidCredentials?: (req: Request) => Promise<void>;
}

/**
 * Who is calling: the middleware checks the bearer token or API key and records the viewer in
 * the request state; every subgraph fetch then carries that viewer's identity signed for that
 * subgraph alone (aud), so another subgraph refuses it.
 */
export function createIdentityFeature(options: IdentityFeatureOptions): GatewayFeature {
  const sign = createIdentitySigner(options.signingKey);
  return {
    name: "identity",
    middleware: [
      useIdentity({
        ...options.credentials,
        ...(options.onInvalidCredentials ? { onInvalidCredentials: options.onInvalidCredentials } : {}),
      }),
    ],
    wrapSubgraphFetch: (next) => async (request) => {
      // The viewer itself, not a tracking proxy (executeAsViewer.ts): signing who it is decides nothing it sees.
      const identity = await sign(untrackedViewer(request.context.viewer ?? null), request.subgraph);
      return next({
        ...request,
        init: { ...request.init, headers: { ...request.init.headers, [IDENTITY_HEADER]: identity } },
      });
    },
  };
}
