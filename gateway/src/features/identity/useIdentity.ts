import { type TokenVerifier, type Viewer, viewerFromAuthorization } from "@fedplat/auth";
import type { Request, RequestHandler } from "express";
import { GraphQLError } from "graphql";
import { requestStateOf } from "../../requestState";
import { sendGraphQLError } from "../../sendGraphQLError";
import type { ApiKeyResolver } from "./apiKeyResolver";

/**
 * Establishes who is calling (a bearer token, or an API key in x-api-key) right after the per-IP
 * budget and before anything else, so bad credentials are one clear 401; the identity subgraphs
 * trust is signed per subgraph when each fetch goes out (the feature's fetch wrapper).
 */
export function useIdentity(options: {
  verifyToken: TokenVerifier;
  apiKeys: ApiKeyResolver;
  /** Told of each request refused with 401 for its token or API key (per-IP counting of bad credentials). */
  onInvalidCredentials?: (req: Request) => Promise<void>;
}): RequestHandler {
  // Best effort: the counters fall back to memory, and a failure to count must not turn a 401 into a 500.
  const countInvalid = (req: Request) => options.onInvalidCredentials?.(req).catch(() => undefined);
  return async (req, res, next) => {
    let viewer: Viewer | null;
    const authorization = req.header("authorization");
    const apiKey = req.header("x-api-key");
    try {
      if (authorization && apiKey)
        return sendGraphQLError(
          res,
          400,
          "Send either an Authorization header or an x-api-key header, not both",
          "BAD_REQUEST",
        );
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
        // `reason` says which check refused a token (TokenRefusal: UNKNOWN_ISSUER, WRONG_AUDIENCE, TOKEN_EXPIRED...).
        const { reason } = error.extensions;
        return sendGraphQLError(
          res,
          status,
          error.message,
          String(error.extensions.code ?? "UNAUTHENTICATED"),
          typeof reason === "string" ? { reason } : {},
        );
      }
      return next(error);
    }
    requestStateOf(req).viewer = viewer;
    next();
  };
}
