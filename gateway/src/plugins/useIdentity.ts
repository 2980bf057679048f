import { IDENTITY_HEADER, signCallerIdentity, type TokenVerifier, type Viewer, viewerFromAuthorization } from "@fedplat/common";
import type { ApiKeyResolver } from "../apiKeyResolver";
import type { Request, RequestHandler, Response } from "express";
import { GraphQLError } from "graphql";
import { LRUCache } from "lru-cache";
import { sendGraphQLError } from "./sendGraphQLError";

/** What the identity step leaves for the rest of the request (express res.locals). */
export interface RequestIdentity {
  viewer: Viewer | null;
  /** Headers for subgraphs: the viewer's signed identity (reused for up to 20 s per viewer). */
  subgraphHeaders: Record<string, string>;
}

export function identityOf(res: Response): RequestIdentity {
  return res.locals.identity as RequestIdentity;
}

/**
 * Establishes who is calling (a bearer token, or an API key in x-api-key) right after the per-IP
 * budget and before anything else, so bad credentials are one clear 401, and signs the identity
 * subgraphs will trust.
 */
export function useIdentity(options: {
  verifyToken: TokenVerifier;
  gatewaySecret: string;
  apiKeys: ApiKeyResolver;
  /** Told of each request refused with 401 for its token or API key (per-IP counting of bad credentials). */
  onInvalidCredentials?: (req: Request) => Promise<void>;
}): RequestHandler {
  // A signed identity lives 60 s; reusing it for 20 s per viewer spares an HMAC signature (jose
  // via WebCrypto: ~12% of a cached request's CPU in a profile) on most requests, and a reused
  // one still has 40 s to go, well beyond the default 10 s subgraph deadline.
  const signed = new LRUCache<string, string>({ max: 10_000, ttl: 20_000 });
  const identityFor = async (viewer: Viewer | null): Promise<string> => {
    const key = viewer ? `${viewer.kind ?? "user"}:${viewer.id}:${viewer.role}` : "anonymous";
    const cached = signed.get(key);
    if (cached) return cached;
    const identity = await signCallerIdentity({ caller: { kind: "gateway" }, viewer }, options.gatewaySecret);
    signed.set(key, identity);
    return identity;
  };
  // Best effort: the counters fall back to memory, and a failure to count must not turn a 401 into a 500.
  const countInvalid = (req: Request) => options.onInvalidCredentials?.(req).catch(() => undefined);
  return async (req, res, next) => {
    let viewer: Viewer | null;
    const authorization = req.header("authorization");
    const apiKey = req.header("x-api-key");
    try {
      if (authorization && apiKey) return sendGraphQLError(res, 400, "Send either an Authorization header or an x-api-key header, not both", "BAD_REQUEST");
      if (apiKey) {
        viewer = await options.apiKeys.resolve(apiKey);
        if (!viewer) {
          await countInvalid(req);
          return sendGraphQLError(res, 401, "Invalid, revoked or expired API key", "UNAUTHENTICATED");
        }
      } else {
        viewer = await viewerFromAuthorization(authorization, options.verifyToken);
      }
    } catch (error) {
      if (error instanceof GraphQLError) {
        const status = (error.extensions.http as { status?: number } | undefined)?.status ?? 401;
        if (status === 401) await countInvalid(req);
        return sendGraphQLError(res, status, error.message, String(error.extensions.code ?? "UNAUTHENTICATED"));
      }
      return next(error);
    }
    const requestId = String(res.locals.requestId);
    const identity = await identityFor(viewer);
    res.locals.identity = { viewer, subgraphHeaders: { [IDENTITY_HEADER]: identity, "x-request-id": requestId } } satisfies RequestIdentity;
    next();
  };
}
