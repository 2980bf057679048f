import type { OperationTypeNode } from "graphql";
import type { GatewayContext } from "../context";
import type { FetcherRequestInit, FetcherResponse } from "./subgraphFetch";
import type { UploadPart } from "./uploadVariables";

/**
 * One fetch from the gateway to a subgraph, with what the data source knows from the parsed
 * subgraph operation and the request context. Features read these typed fields; none of them
 * is sent to the subgraph.
 */
export interface SubgraphRequest {
  subgraph: string;
  url: string;
  /** Method, headers (lower-case names) and JSON body, as they will be sent. */
  init: FetcherRequestInit & { headers: Record<string, string> };
  /** The subgraph operation's kind, from its parsed document. */
  operation: OperationTypeNode;
  /** An `_entities` look-up of a query plan (its only root field is `_entities`). */
  entityFetch: boolean;
  /** False for operations the gateway executes in-process (subscription events): no client HTTP request. */
  overHttp: boolean;
  /** The client request's headers (lower-case names), for header propagation; absent without a client HTTP request. */
  clientHeaders?: { get(name: string): string | null | undefined };
  /** The client's files among the operation's variables (null in init.body): sent as a multipart request. */
  uploads?: readonly UploadPart[];
  context: GatewayContext;
}

export type SubgraphFetch = (request: SubgraphRequest) => Promise<FetcherResponse>;
