import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { context, propagation } from "@opentelemetry/api";

/** Published by undici (the npm package and Node's fetch) as each request is created, before it is sent. */
const REQUEST_CREATED = "undici:request:create";

interface CreatedRequest {
  request: { addHeader(name: string, value: string): unknown };
}

/**
 * With export off, all that UndiciInstrumentation did which anything outside the process could see:
 * the active trace context in each outgoing request's headers (traceparent, tracestate, baggage),
 * so a subgraph continues the caller's trace. The instrumentation also built a span that the
 * always-off sampler then dropped, with its attributes (the URL parsed, the headers read), on every
 * request: in the gateway, one per subgraph fetch, a few percent of its CPU on a query that makes
 * many (bench/results/gateway.md). Headers now carry the caller's own span id rather than that of
 * a dropped client span; a request made outside any trace carries none (the callee starts one).
 * Returns the unsubscribe.
 */
export function propagateOverUndici(): () => void {
  const onCreated = (message: unknown) => {
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    const { request } = message as CreatedRequest;
    for (const [name, value] of Object.entries(carrier)) request.addHeader(name, value);
  };
  subscribe(REQUEST_CREATED, onCreated);
  return () => unsubscribe(REQUEST_CREATED, onCreated);
}
