import { GraphQLRequestError, type GraphQLErrorEntry } from "./errors";
import { INCREMENTAL_ACCEPT, type IncrementalResult, readIncremental } from "./incremental";
import {
  manifestText,
  operationOf,
  type PersistedDocuments,
  persistedIdOf,
  type TypedDocument,
} from "./persistedDocument";

export interface GraphQLClientOptions {
  /** The gateway's GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** Access token sent as `Authorization: Bearer`; called per request so a login takes effect at once. */
  token?: () => string | undefined;
  /** Extra headers on every request (e.g. x-api-key). */
  headers?: Record<string, string>;
  /**
   * The codegen manifest. With it, a gateway that does not know an id yet (APQ, PERSISTED_QUERY_NOT_FOUND)
   * is sent the exact manifest text with the id, so it registers it; without it the document's own
   * text is sent once, unpersisted.
   */
  persistedDocuments?: PersistedDocuments;
  /**
   * `id-first` sends only the persisted id (queries as GET, so a CDN can cache them); `query` always
   * sends the full text. @default "id-first"
   */
  mode?: "id-first" | "query";
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Per request. @default 30_000 */
  timeoutMs?: number;
}

export interface GraphQLResult<TResult> {
  data: TResult;
  /** The response's HTTP headers (Cache-Control, x-cache, ...). */
  headers: Headers;
}

interface WireBody {
  query?: string;
  operationName?: string;
  variables?: unknown;
  extensions?: { persistedQuery: { version: 1; sha256Hash: string } };
}

interface WireResponse {
  data?: unknown;
  errors?: GraphQLErrorEntry[];
}

export interface GraphQLClient {
  /** Runs a query or mutation; resolves with its data, rejects with GraphQLRequestError on any error. */
  request<TResult, TVariables>(
    document: TypedDocument<TResult, TVariables>,
    ...variables: VariablesArg<TVariables>
  ): Promise<TResult>;
  /** Like request, with the response headers. */
  execute<TResult, TVariables>(
    document: TypedDocument<TResult, TVariables>,
    ...variables: VariablesArg<TVariables>
  ): Promise<GraphQLResult<TResult>>;
  /**
   * Runs a query with @defer (docs/defer.md): the data so far after each part, the first without
   * the deferred fragments, the last (`hasNext: false`) complete. The document is sent as the
   * manifest's text with its persisted id (POST), so a gateway enforcing trusted documents runs it.
   */
  stream<TResult, TVariables>(
    document: TypedDocument<TResult, TVariables>,
    ...variables: VariablesArg<TVariables>
  ): AsyncGenerator<IncrementalResult<TResult>>;
}

/** Variables are optional exactly when the operation declares none that are required. */
type VariablesArg<TVariables> =
  Record<string, never> extends TVariables ? [variables?: TVariables] : [variables: TVariables];

/**
 * A small fetch wrapper for queries and mutations that speaks the APQ protocol: it sends the
 * document's persisted id (from codegen's manifest), and the text only when the gateway asks.
 */
export function createGraphQLClient(options: GraphQLClientOptions): GraphQLClient {
  const doFetch = options.fetch ?? globalThis.fetch;
  const mode = options.mode ?? "id-first";

  async function send(
    body: WireBody,
    useGet: boolean,
  ): Promise<{ status: number; headers: Headers; payload: WireResponse }> {
    const token = options.token?.();
    const headers: Record<string, string> = {
      accept: "application/graphql-response+json, application/json",
      ...options.headers,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      // A non-simple header: Apollo's CSRF prevention lets such GETs through (a browser form cannot send it).
      ...(body.operationName
        ? { "x-apollo-operation-name": body.operationName }
        : { "apollo-require-preflight": "true" }),
    };
    let url = options.url;
    const init: RequestInit = {
      method: useGet ? "GET" : "POST",
      headers,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    };
    if (useGet) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(body))
        if (value !== undefined) params.set(key, typeof value === "string" ? value : JSON.stringify(value));
      url = `${url}${url.includes("?") ? "&" : "?"}${params}`;
    } else {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await doFetch(url, init);
    } catch (error) {
      // The endpoint without the query string: GET parameters may carry variables.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new GraphQLRequestError(
        [{ message: `Cannot reach ${options.url} (${reason})`, extensions: { code: "NETWORK_ERROR" } }],
        0,
      );
    }
    const text = await response.text();
    let payload: WireResponse;
    try {
      payload = JSON.parse(text) as WireResponse;
    } catch {
      throw new GraphQLRequestError(
        [{ message: `The gateway answered HTTP ${response.status} with a body that is not JSON` }],
        response.status,
      );
    }
    return { status: response.status, headers: response.headers, payload };
  }

  async function execute<TResult, TVariables>(
    document: TypedDocument<TResult, TVariables>,
    variables?: TVariables,
  ): Promise<GraphQLResult<TResult>> {
    const text = document.toString();
    const { type, name } = operationOf(text);
    const id = persistedIdOf(document);
    const base: WireBody = {
      ...(name ? { operationName: name } : {}),
      ...(variables && Object.keys(variables).length ? { variables } : {}),
    };
    let result = await (mode === "id-first" && id
      ? send({ ...base, extensions: { persistedQuery: { version: 1, sha256Hash: id } } }, type === "query")
      : send({ ...base, query: text }, false));
    if (id && result.payload.errors?.some((error) => error.extensions?.code === "PERSISTED_QUERY_NOT_FOUND")) {
      const registered = manifestText(options.persistedDocuments, id);
      result = await send(
        registered
          ? { ...base, query: registered, extensions: { persistedQuery: { version: 1, sha256Hash: id } } }
          : { ...base, query: text },
        false,
      );
    }
    const { payload, status, headers } = result;
    if (payload.errors?.length || status >= 400 || payload.data === undefined || payload.data === null) {
      throw new GraphQLRequestError(payload.errors ?? [], status, payload.data);
    }
    return { data: payload.data as TResult, headers };
  }

  async function* stream<TResult, TVariables>(
    document: TypedDocument<TResult, TVariables>,
    variables?: TVariables,
  ): AsyncGenerator<IncrementalResult<TResult>> {
    const text = document.toString();
    const { name } = operationOf(text);
    // The id goes with the manifest's text (the exact text it hashes); without the manifest, the text alone.
    const id = persistedIdOf(document);
    const registered = id ? manifestText(options.persistedDocuments, id) : undefined;
    const token = options.token?.();
    let response: Response;
    try {
      response = await doFetch(options.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: INCREMENTAL_ACCEPT,
          ...options.headers,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({
          query: registered ?? text,
          ...(name ? { operationName: name } : {}),
          ...(variables && Object.keys(variables).length ? { variables } : {}),
          ...(registered ? { extensions: { persistedQuery: { version: 1, sha256Hash: id } } } : {}),
        }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new GraphQLRequestError(
        [
          {
            message: `Cannot reach ${options.url} (${(error as Error).message})`,
            extensions: { code: "NETWORK_ERROR" },
          },
        ],
        0,
      );
    }
    if (!response.ok) {
      const payload = (await response.json().catch(() => ({}))) as WireResponse;
      throw new GraphQLRequestError(payload.errors ?? [], response.status, payload.data);
    }
    yield* readIncremental<TResult>(response);
  }

  return {
    stream: (document, ...variables) => stream(document, variables[0]),
    execute: (document, ...variables) => execute(document, variables[0]),
    request: async (document, ...variables) => (await execute(document, variables[0])).data,
  };
}
