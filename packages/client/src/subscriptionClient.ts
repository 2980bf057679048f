import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { type GraphQLErrorEntry, GraphQLRequestError, SubscriptionClosedError } from "./errors";
import {
  manifestText,
  operationOf,
  type PersistedDocuments,
  persistedIdOf,
  type TypedDocument,
} from "./persistedDocument";

export interface SubscriptionClientOptions {
  /** The gateway's WebSocket endpoint, e.g. ws://localhost:4000/graphql. */
  url: string;
  /** Access token, sent once in connection_init's payload as `authorization: Bearer ...`. */
  token?: () => string | undefined;
  /**
   * The manifest (codegen's persisted-documents.json): a document found in it is sent as the
   * manifest's text with its id, which a gateway enforcing trusted documents accepts.
   * @default none: documents are sent as their own text, without an id
   */
  persistedDocuments?: PersistedDocuments;
  /** Reconnect attempts after a dropped connection. @default 5 */
  retryAttempts?: number;
}

export interface SubscriptionClient {
  /** Each event's data, until the server completes the subscription or the loop is left (which unsubscribes). */
  subscribe<TResult, TVariables>(
    document: TypedDocument<TResult, TVariables>,
    variables?: TVariables,
  ): AsyncIterable<TResult>;
  close(): Promise<void>;
}

const toEntry = (error: { message: string; extensions?: unknown }): GraphQLErrorEntry => ({
  message: error.message,
  ...(error.extensions ? { extensions: error.extensions as GraphQLErrorEntry["extensions"] } : {}),
});

/** graphql-ws rejects with the server's error list (a refused subscription) or the socket's close event. */
function asRequestError(error: unknown): Error {
  if (error instanceof GraphQLRequestError) return error;
  if (Array.isArray(error)) return new GraphQLRequestError(error.map(toEntry), 200);
  if (typeof error === "object" && error !== null && "code" in error && "reason" in error) {
    const { code, reason } = error as { code: number; reason: string };
    return new SubscriptionClosedError(code, reason);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * graphql-ws (the graphql-transport-ws protocol) for subscriptions. A document of the manifest is
 * sent as the manifest's text with its persisted id (extensions.persistedQuery), so a gateway that
 * trusts only its manifest can check it. The id must hash the text sent: codegen normalizes the
 * manifest's copy, so the document's own text (toString) would not match it.
 */
export function createSubscriptionClient(options: SubscriptionClientOptions): SubscriptionClient {
  const client: Client = createClient({
    url: options.url,
    // Node 20 has no global WebSocket: fall back to `ws` there.
    webSocketImpl: typeof globalThis.WebSocket === "function" ? globalThis.WebSocket : WebSocket,
    connectionParams: () => {
      const token = options.token?.();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    retryAttempts: options.retryAttempts ?? 5,
    lazy: true,
  });
  return {
    subscribe<TResult, TVariables>(
      document: TypedDocument<TResult, TVariables>,
      variables?: TVariables,
    ): AsyncIterable<TResult> {
      const documentId = persistedIdOf(document);
      const trusted = documentId ? manifestText(options.persistedDocuments, documentId) : undefined;
      const query = trusted ?? document.toString();
      const id = trusted ? documentId : undefined;
      const { name } = operationOf(query);
      const events = client.iterate<TResult>({
        query,
        ...(name ? { operationName: name } : {}),
        ...(variables ? { variables: variables as Record<string, unknown> } : {}),
        ...(id ? { extensions: { persistedQuery: { version: 1, sha256Hash: id } } } : {}),
      });
      return {
        async *[Symbol.asyncIterator]() {
          try {
            for await (const event of events) {
              if (event.errors?.length || !event.data)
                throw new GraphQLRequestError(event.errors?.map(toEntry) ?? [], 200, event.data);
              yield event.data;
            }
          } catch (error) {
            throw asRequestError(error);
          }
        },
      };
    },
    close: () => client.dispose() as Promise<void>,
  };
}
