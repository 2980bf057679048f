import Negotiator from "negotiator";

/** The incremental delivery format the gateway speaks: graphql-js 17.0.0-alpha.2's, as Apollo Client and Sandbox do. */
export const DEFER_SPEC_MEDIA_TYPE = "multipart/mixed; deferSpec=20220824";

// Apollo Server answers an incremental result in the multipart type the Accept header prefers among
// these (runHttpQuery.ts), and refuses it (406) when that is not a deferSpec one; deciding with the
// same negotiation means a deferred part is only ever sent to a client that reads this format.
const OFFERED = ["multipart/mixed", "multipart/mixed; incrementalSpec=v0.2", DEFER_SPEC_MEDIA_TYPE];

/**
 * Whether a request's deferred fragments may come as later parts: a single operation (Apollo
 * cannot stream a batch) whose Accept header prefers `multipart/mixed; deferSpec=20220824`.
 * Otherwise @defer is ignored and the response is whole, as the spec allows.
 */
export function acceptsIncrementalDelivery(accept: string | undefined, batched: boolean): boolean {
  if (batched || !accept) return false;
  return new Negotiator({ headers: { accept } }).mediaType(OFFERED) === DEFER_SPEC_MEDIA_TYPE;
}
