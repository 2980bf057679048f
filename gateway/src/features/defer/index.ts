import type { GatewayFeature } from "../../feature";
import { deferLabelsRule } from "./deferLabels";

export { acceptsIncrementalDelivery, DEFER_SPEC_MEDIA_TYPE } from "./acceptsIncrementalDelivery";

/**
 * `@defer` (docs/defer.md). The query planner builds Defer nodes (server.ts turns its
 * `incrementalDelivery` on) and the patched @apollo/gateway runs them (patches/@apollo+gateway,
 * incrementalDelivery.js): the primary part first, each deferred fragment when its fetches are
 * done, as `multipart/mixed; deferSpec=20220824` parts through Apollo Server's own multipart
 * writer (patches/@apollo+server). Whether a request may get later parts is decided per request
 * (acceptsIncrementalDelivery, in the context); every other feature sees the request as usual.
 */
export function createDeferFeature(): GatewayFeature {
  return { name: "defer", validationRules: [deferLabelsRule] };
}
