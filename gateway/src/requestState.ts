import type { Viewer } from "@fedplat/auth";
import type { Request } from "express";

/** What the HTTP middleware of one request learns, for the layers after it. */
export interface RequestState {
  requestId: string;
  /** Set by the identity feature; undefined until it has run. */
  viewer?: Viewer | null;
}

// Keyed by express's request object, so it is gone with the request; typed, unlike res.locals,
// and nothing a layer learns is ever written where client input lives (headers, body).
const states = new WeakMap<Request, RequestState>();

export function startRequestState(req: Request, requestId: string): RequestState {
  const state: RequestState = { requestId };
  states.set(req, state);
  return state;
}

export function requestStateOf(req: Request): RequestState {
  const state = states.get(req);
  if (!state) throw new Error("request state read before the gateway started the request");
  return state;
}

/** The viewer the identity feature established; throws when a layer runs before identity. */
export function viewerOf(req: Request): Viewer | null {
  const { viewer } = requestStateOf(req);
  if (viewer === undefined)
    throw new Error("viewer read before the identity feature ran: check the feature order in server.ts");
  return viewer;
}
