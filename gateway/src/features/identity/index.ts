import {
  createTokenVerifier,
  IDENTITY_HEADER,
  type SigningKey,
  type TokenVerification,
  type TokenVerifier,
  type Viewer,
} from "@fedplat/auth";
import type { Request } from "express";
import type { GatewayFeature } from "../../feature";
import { type ApiKeyResolver, createApiKeyResolver } from "./apiKeyResolver";
import { createIdentitySigner } from "./identitySigner";
import { createSessionChecker, withSessionCheck } from "./sessionChecker";
import { useIdentity } from "./useIdentity";

export type { ApiKeyResolver } from "./apiKeyResolver";

/** How callers prove who they are: shared by HTTP (this feature) and graphql-ws (subscriptions). */
export interface Credentials {
  verifyToken: TokenVerifier;
  apiKeys: ApiKeyResolver;
  /** The session check inside verifyToken (cached per user), for viewers already verified; absent when sessions are off. */
  checkSession?: (viewer: Viewer) => Promise<Viewer>;
}

export interface CredentialsOptions {
  /** The accounts subgraph: API keys and sessions are looked up there. */
  accountsUrl: string;
  tokens: TokenVerification;
  signingKey: SigningKey;
  /** See GatewayOptions.sessions. */
  sessions?: { cacheMs?: number };
  apiKeyCacheMs?: number;
  apiKeyCacheSize?: number;
}

export function createCredentials(options: CredentialsOptions): Credentials {
  const checkSession = options.sessions
    ? createSessionChecker({
        accountsUrl: options.accountsUrl,
        signingKey: options.signingKey,
        cacheMs: options.sessions.cacheMs,
      })
    : undefined;
  return {
    verifyToken: withSessionCheck(createTokenVerifier(options.tokens), checkSession),
    ...(checkSession ? { checkSession } : {}),
    apiKeys: createApiKeyResolver({
      accountsUrl: options.accountsUrl,
      signingKey: options.signingKey,
      cacheMs: options.apiKeyCacheMs,
      cacheSize: options.apiKeyCacheSize,
    }),
  };
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
      const identity = await sign(request.context.viewer ?? null, request.subgraph);
      return next({
        ...request,
        init: { ...request.init, headers: { ...request.init.headers, [IDENTITY_HEADER]: identity } },
      });
    },
  };
}
