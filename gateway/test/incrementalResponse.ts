import { meros } from "meros/browser";

/** What Apollo Client sends: the deferSpec=20220824 multipart format, or JSON. */
export const APOLLO_CLIENT_ACCEPT = "multipart/mixed;deferSpec=20220824,application/json";

export type Payload = Record<string, unknown>;

export interface OpenedResponse {
  status: number;
  headers: Headers;
  /** The response's parts as they arrive; a plain JSON response is one part. */
  parts: AsyncIterator<Payload>;
}

/** POSTs an operation and reads the answer part by part, as a client of @defer does (meros splits multipart/mixed). */
export async function openOperation(
  url: string,
  query: string,
  headers: Record<string, string> = {},
  variables: Record<string, unknown> = {},
): Promise<OpenedResponse> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: APOLLO_CLIENT_ACCEPT, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = await meros<Payload>(response);
  if (body instanceof Response) {
    const whole = (await body.json()) as Payload;
    async function* one(): AsyncGenerator<Payload> {
      yield whole;
    }
    return { status: response.status, headers: response.headers, parts: one() };
  }
  const multipart = body;
  async function* payloads(): AsyncGenerator<Payload> {
    for await (const part of multipart) {
      if (!part.json) throw new Error(`a part that is not JSON: ${String(part.body)}`);
      yield part.body;
    }
  }
  return { status: response.status, headers: response.headers, parts: payloads() };
}

/** Every part of the answer, once the response has ended. */
export async function allParts(
  url: string,
  query: string,
  headers: Record<string, string> = {},
  variables: Record<string, unknown> = {},
): Promise<Payload[]> {
  const { parts } = await openOperation(url, query, headers, variables);
  const all: Payload[] = [];
  for (let next = await parts.next(); !next.done; next = await parts.next()) all.push(next.value);
  return all;
}
