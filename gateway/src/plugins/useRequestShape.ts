import type { RequestHandler } from "express";
import { Lexer, Source, TokenKind } from "graphql";
import { sendGraphQLError } from "./sendGraphQLError";

export interface RequestShapeLimits {
  /** Operations in one batched (array) request; 1 disables batching. @default 1 */
  maxBatch: number;
  /** Serialized size of one operation's variables. @default 65_536 */
  maxVariablesBytes: number;
  /** Lexer tokens in one document: bounds parse and validation work. @default 2_000 */
  maxTokens: number;
}

/** True when `query` has more than `limit` tokens; stops lexing at the limit (or at a lexing error, left to the parser). */
function exceedsTokens(query: string, limit: number): boolean {
  const lexer = new Lexer(new Source(query));
  try {
    for (let count = 0; lexer.advance().kind !== TokenKind.EOF; count++) {
      if (count >= limit) return true;
    }
  } catch {
    return false;
  }
  return false;
}

/** Batch size, variables size and document tokens: checked on the JSON body, before Apollo parses any GraphQL. */
export function useRequestShape(limits: RequestShapeLimits): RequestHandler {
  return (req, res, next) => {
    const body: unknown = req.body;
    const operations = Array.isArray(body) ? body : [body];
    if (Array.isArray(body) && body.length > limits.maxBatch) {
      return sendGraphQLError(res, 400, limits.maxBatch === 1 ? "Batched requests are disabled" : `At most ${limits.maxBatch} operations per batch`, "BATCH_LIMIT_EXCEEDED");
    }
    for (const operation of operations) {
      const { variables, query } = typeof operation === "object" && operation !== null ? (operation as { variables?: unknown; query?: unknown }) : {};
      if (typeof query === "string" && exceedsTokens(query, limits.maxTokens)) {
        return sendGraphQLError(res, 400, `The document has more than ${limits.maxTokens} tokens`, "QUERY_TOO_LARGE");
      }
      if (variables !== undefined && JSON.stringify(variables).length > limits.maxVariablesBytes) {
        return sendGraphQLError(res, 413, `Variables exceed ${limits.maxVariablesBytes} bytes`, "VARIABLES_TOO_LARGE");
      }
    }
    next();
  };
}
