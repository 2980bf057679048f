import { IDENTITY_HEADER, signCallerIdentity, type Viewer, viewerFromAuthorization } from "@fedplat/common";
import type { RequestHandler, Response } from "express";
import { GraphQLError } from "graphql";
import { sendGraphQLError } from "./sendGraphQLError";

/** What the identity step leaves for the rest of the request (express res.locals). */
export interface RequestIdentity {
  viewer: Viewer | null;
  /** Headers for subgraphs: the viewer's identity signed once per request. */
  subgraphHeaders: Record<string, string>;
}

export function identityOf(res: Response): RequestIdentity {
  return res.locals.identity as RequestIdentity;
}

/**
 * Verifies the client's bearer token before anything else runs, so a bad token is one clear
 * 401, and signs the identity subgraphs will trust.
 */
export function useIdentity(options: { jwtSecret: string; gatewaySecret: string }): RequestHandler {
  return async (req, res, next) => {
    let viewer: Viewer | null;
    try {
      viewer = await viewerFromAuthorization(req.header("authorization"), options.jwtSecret);
    } catch (error) {
      if (error instanceof GraphQLError) return sendGraphQLError(res, 401, error.message, "UNAUTHENTICATED");
      return next(error);
    }
    const requestId = String(res.locals.requestId);
    const identity = await signCallerIdentity({ caller: { kind: "gateway" }, viewer }, options.gatewaySecret);
    res.locals.identity = { viewer, subgraphHeaders: { [IDENTITY_HEADER]: identity, "x-request-id": requestId } } satisfies RequestIdentity;
    next();
  };
}
