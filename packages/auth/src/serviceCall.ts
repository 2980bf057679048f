import { type CallerIdentity, IDENTITY_HEADER, signCallerIdentity } from "./callerIdentity";
import type { SigningKey } from "./identityKeys";

export interface ServiceCall {
  url: string;
  query: string;
  variables: Record<string, unknown>;
  /** Who is calling: signed with the caller's own key, for the subgraph named `audience`. */
  identity: CallerIdentity;
  signingKey: SigningKey;
  /** The called subgraph's name (the token's aud: it is refused by any other subgraph). */
  audience: string;
  timeoutMs: number;
  /** The connection pool to use, e.g. one presenting a client certificate (mTLS). @default the global one */
  dispatcher?: RequestInit["dispatcher"];
}

/**
 * One GraphQL request from a platform process to a subgraph (not through the gateway). Resolves
 * with the parsed body; rejects on transport failure or timeout, for the caller to name the service.
 */
export async function callSubgraph<TBody>(call: ServiceCall): Promise<TBody> {
  const response = await fetch(call.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [IDENTITY_HEADER]: await signCallerIdentity(call.identity, call.signingKey, call.audience),
    },
    body: JSON.stringify({ query: call.query, variables: call.variables }),
    signal: AbortSignal.timeout(call.timeoutMs),
    ...(call.dispatcher ? { dispatcher: call.dispatcher } : {}),
  });
  return (await response.json()) as TBody;
}
