export interface GraphQLResponse<TData = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: TData | null;
  errors?: Array<{
    message: string;
    path?: Array<string | number>;
    extensions?: Record<string, unknown> & { code?: string };
  }>;
}

/** POSTs one GraphQL operation, as a client would, and returns status, headers and body. */
export async function graphqlRequest<TData = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<TData>, "status" | "headers">;
  return { status: response.status, headers: response.headers, ...body };
}

/** The Authorization header for a bearer token. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
