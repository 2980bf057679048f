import type { Logger } from "@fedplat/runtime";
import type { Request, RequestHandler, Response } from "express";
import { GraphQLError, getOperationAST, parse } from "graphql";
import { createHandler } from "graphql-sse";
import { viewerOf } from "../../requestState";
import { sendGraphQLError } from "../../sendGraphQLError";
import type { TrustedDocuments } from "../persistedDocuments";
import { closeCodeMeaning } from "./closeCodes";
import { authenticationRefusal, type ConnectionIdentity } from "./connectionAuth";
import type { LiveSubscription } from "./liveSubscription";
import { writeMultipartSubscription } from "./multipartSubscription";
import type {
  AdmittedConnection,
  SubscriptionCore,
  SubscriptionExecution,
  SubscriptionRequest,
} from "./subscriptionCore";

export interface HttpSubscriptionsOptions {
  /** The core, once the gateway is built (requests reach /graphql only after that). */
  core(): SubscriptionCore;
  /** The graphql-ws authenticator, given the request's own credential headers. */
  authenticate(params: Record<string, unknown>): Promise<ConnectionIdentity>;
  trustedDocuments: TrustedDocuments;
  /** Time between multipart heartbeats (`{}`). */
  heartbeatMs: number;
  logger: Logger;
}

type Transport = "sse" | "multipart";

/**
 * Which subscription transport the Accept header asks for, in the client's order: GraphQL over
 * SSE (`text/event-stream`) or Apollo's multipart subscriptions (`multipart/mixed` with
 * `subscriptionSpec=1.0`, what Apollo Client's HttpLink sends); undefined for anything else.
 * Hand-written: `req.accepts` cannot require one parameter of a media range and ignore the others.
 */
export function subscriptionTransportOf(accept: string | undefined): Transport | undefined {
  for (const range of (accept ?? "").split(",")) {
    const [type = "", ...params] = range.split(";").map((part) => part.trim().toLowerCase());
    if (type === "text/event-stream") return "sse";
    if (type === "multipart/mixed" && params.some((param) => param.replace(/"/g, "") === "subscriptionspec=1.0"))
      return "multipart";
  }
  return undefined;
}

const NON_PREFLIGHTED_CONTENT_TYPES = new Set([
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "text/plain",
]);
const PREFLIGHT_HEADERS = ["x-apollo-operation-name", "apollo-require-preflight"];

/**
 * Apollo Server's csrfPrevention, which these requests no longer reach (@apollo/server does not
 * export its check): a request a browser may send cross-site without a preflight (GET, or a
 * "simple" content type) must carry one of Apollo's preflight headers.
 */
function isCsrfRisk(req: Request): boolean {
  const contentType = req.header("content-type");
  if (contentType !== undefined) {
    const essence = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
    if (!NON_PREFLIGHTED_CONTENT_TYPES.has(essence)) return false;
  }
  return !PREFLIGHT_HEADERS.some((header) => (req.header(header) ?? "").length > 0);
}

/** The operation of a POST body or GET query string; undefined when malformed (Apollo answers those). */
function operationOf(req: Request): SubscriptionRequest | undefined {
  const source: unknown = req.method === "GET" ? req.query : req.method === "POST" ? req.body : undefined;
  if (typeof source !== "object" || source === null || Array.isArray(source)) return undefined;
  const { query, operationName, variables, extensions } = source as Record<string, unknown>;
  const json = (value: unknown) => (typeof value === "string" && req.method === "GET" ? JSON.parse(value) : value);
  try {
    return {
      ...(typeof query === "string" ? { query } : {}),
      operationName: typeof operationName === "string" ? operationName : null,
      variables: (json(variables) as Record<string, unknown> | undefined) ?? null,
      extensions: json(extensions),
    };
  } catch {
    return undefined;
  }
}

/** Whether a request runs a subscription (its text, or the manifest's document for an id sent alone). */
function isSubscription(request: SubscriptionRequest, trusted: TrustedDocuments): boolean {
  const admission = trusted.admit({ query: request.query || undefined, extensions: request.extensions });
  const document = admission.rejection ? undefined : admission.document;
  if (document === undefined) return false;
  try {
    const operation = getOperationAST(parse(document, { noLocation: true }), request.operationName ?? undefined);
    return operation?.operation === "subscription";
  } catch {
    return false; // a syntax error: Apollo reports it as for any request
  }
}

/** The last message of a stream its connection's end cuts short, carrying the graphql-ws close code. */
const closeError = (code: number, reason: string) =>
  new GraphQLError(reason, {
    extensions: { code: closeCodeMeaning[code]?.code ?? "INTERNAL_SERVER_ERROR", closeCode: code },
  });

/**
 * Subscriptions over plain HTTP on /graphql, beside graphql-ws: GraphQL over SSE (graphql-sse,
 * distinct connections mode) and Apollo's multipart HTTP subscriptions. The request has passed
 * every HTTP layer (trusted documents, request limits, per-IP and per-user budgets, credentials);
 * each stream is then one connection of the core with one subscription, so limits, RBAC, the
 * per-event authorization and session checks, and the close reasons are graphql-ws's. Anything
 * else (queries, mutations, other Accept headers) goes on to Apollo.
 */
export function useHttpSubscriptions(options: HttpSubscriptionsOptions): RequestHandler {
  // graphql-sse serves the stream (framing, keep-alive comments, completion) of a subscription
  // the core prepared; its own parsing and validation are bypassed (done before it).
  const sse = createHandler<
    Request,
    { prepared: SubscriptionExecution | readonly GraphQLError[] },
    SubscriptionExecution["contextValue"]
  >({
    onSubscribe: (req) => {
      const { prepared } = req.context;
      // graphql-sse takes a result only with a `data` key; undefined keeps it out of the event.
      return Array.isArray(prepared) ? { data: undefined, errors: [...prepared] } : (prepared as SubscriptionExecution);
    },
    validate: () => [], // the core's planner validated the document with the gateway's rules
    subscribe: (args) => args.contextValue.subscription,
  });

  return async (req, res, next) => {
    const transport = subscriptionTransportOf(req.header("accept"));
    if (!transport) return next();
    const request = operationOf(req);
    if (!request || !isSubscription(request, options.trustedDocuments)) return next();
    if (isCsrfRisk(req))
      return sendGraphQLError(
        res,
        400,
        `This operation has been blocked as a potential Cross-Site Request Forgery (CSRF): send a non-empty ${PREFLIGHT_HEADERS.join(" or ")} header`,
        "BAD_REQUEST",
      );
    const core = options.core();
    const identity = await identityOf(req, res, core);
    if (!identity) return;

    let live: LiveSubscription | undefined;
    let ended: { code: number; reason: string } | undefined;
    const admitted = core.admit({
      identity,
      isOpen: () => ended === undefined && !res.writableEnded,
      close: (code, reason) => {
        if (ended) return;
        ended = { code, reason };
        // SSE: a last `next` with the error, then `complete`; multipart: a transport error part.
        if (transport === "sse") live?.end({ errors: [closeError(code, reason)] });
        else live?.close();
      },
    });
    if (!("subscribe" in admitted)) return refuse(res, admitted.code, admitted.reason);
    res.once("close", () => admitted.release());
    const prepared = await admitted.subscribe(request);
    if (!Array.isArray(prepared)) live = (prepared as SubscriptionExecution).contextValue.subscription;
    if (res.closed) {
      live?.close(); // the client left while the subscription was set up
      return;
    }
    if (ended) {
      // Closed while being set up (shutdown, token expiry): refused as before any stream.
      live?.close();
      admitted.release();
      return refuse(res, ended.code, ended.reason);
    }
    if (transport === "multipart")
      return writeMultipartSubscription(res, {
        prepared: Array.isArray(prepared) ? { errors: prepared } : (live as LiveSubscription),
        heartbeatMs: options.heartbeatMs,
        transportError: () => ended && [closeError(ended.code, ended.reason)],
      });
    return serveSse(req, res, admitted, prepared);
  };

  /** The connection's identity from the request's own credentials, or a refusal sent (undefined). */
  async function identityOf(req: Request, res: Response, core: SubscriptionCore) {
    if (!viewerOf(req)) {
      core.refused("unauthenticated");
      sendGraphQLError(
        res,
        401,
        "Authentication required: subscriptions need an Authorization: Bearer <token> or an x-api-key header",
        "UNAUTHENTICATED",
      );
      return undefined;
    }
    const credentials = { authorization: req.header("authorization"), "x-api-key": req.header("x-api-key") };
    try {
      return await options.authenticate(credentials);
    } catch (cause) {
      // The identity feature accepted these credentials a moment ago: only a change since, or an outage, lands here.
      const refusal = authenticationRefusal(cause, options.logger, (reason) => core.refused(reason));
      refuse(res, refusal.code, refusal.message);
      return undefined;
    }
  }

  async function serveSse(
    req: Request,
    res: Response,
    admitted: AdmittedConnection,
    prepared: SubscriptionExecution | readonly GraphQLError[],
  ) {
    const [body, init] = await sse({
      // graphql-sse reads a JSON POST with exactly this Accept as a distinct-connections stream;
      // the operation was read above (also from a GET) and the Accept negotiated.
      method: "POST",
      url: req.originalUrl,
      headers: {
        get: (key) =>
          key === "accept" ? "text/event-stream" : key === "content-type" ? "application/json" : req.header(key),
      },
      body: { query: "subscription { prepared }" }, // required by its parser; onSubscribe supplies the operation
      raw: req,
      context: { prepared },
    });
    res.writeHead(init.status, init.statusText, init.headers);
    if (!body || typeof body === "string") {
      admitted.release();
      res.end(body);
      return;
    }
    res.once("close", () => void body.return(undefined));
    for await (const chunk of body) {
      if (!res.writable) break;
      // Waits for each write: a slow reader stops pulling events, and the core's queue limit applies.
      // A failed write means the client is gone: the response's close ends the subscription.
      await new Promise<void>((resolve) => res.write(chunk, () => resolve()));
    }
    res.end();
  }
}

/** A refusal before any stream: graphql-ws's close code as an HTTP status and error code. */
function refuse(res: Response, closeCode: number, reason: string): void {
  const meaning = closeCodeMeaning[closeCode] ?? { code: "INTERNAL_SERVER_ERROR", status: 500 };
  sendGraphQLError(res, meaning.status, reason, meaning.code, { closeCode });
}
