import type { RequestHandler } from "express";
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  Lexer,
  parse,
  type SelectionSetNode,
  Source,
  TokenKind,
} from "graphql";
import { sendGraphQLError } from "../../sendGraphQLError";

export interface RequestShapeLimits {
  /** Operations in one batched (array) request; 1 disables batching. @default 1 */
  maxBatch: number;
  /** Serialized size of one operation's variables. @default 65_536 */
  maxVariablesBytes: number;
  /** Lexer tokens in one document: bounds parse and validation work. @default 2_000 */
  maxTokens: number;
  /** Fields once every fragment spread is expanded: stops fragment bombs before validation. @default 5_000 */
  maxExpandedFields: number;
}

/**
 * Fields of the document with fragments expanded, computed once per fragment (memoised), so a
 * fragment bomb (each fragment spreading the next twice) costs linear time here while the
 * same document would take exponential time in validation rules that expand fragments.
 * Fragment cycles are reported here too: graphql-armor's depth rule would recurse forever.
 */
export function expandedFieldCount(document: DocumentNode): { fields: number; cycle?: string } {
  let cycle: string | undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  const sizeOf = (set: SelectionSetNode | undefined): number => {
    let total = 0;
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) total += 1 + sizeOf(selection.selectionSet);
      else if (selection.kind === Kind.INLINE_FRAGMENT) total += sizeOf(selection.selectionSet);
      else total += fragmentSize(selection.name.value);
    }
    return total;
  };
  const fragmentSize = (name: string): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) {
      cycle ??= name;
      return 0;
    }
    visiting.add(name);
    const size = sizeOf(fragments.get(name)?.selectionSet);
    visiting.delete(name);
    memo.set(name, size);
    return size;
  };
  const fields = document.definitions.reduce(
    (sum, definition) => sum + (definition.kind === Kind.OPERATION_DEFINITION ? sizeOf(definition.selectionSet) : 0),
    0,
  );
  return { fields, ...(cycle ? { cycle } : {}) };
}

/** Why the document is refused, or undefined; syntax errors are left to Apollo to report. */
function complexityProblem(query: string, limit: number): string | undefined {
  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return undefined;
  }
  const { fields, cycle } = expandedFieldCount(document);
  if (cycle) return `Fragment "${cycle}" spreads itself`;
  return fields > limit ? `The document expands to more than ${limit} fields` : undefined;
}

const MAX_VARIABLES_DEPTH = 32;

/**
 * Approximate serialized size of `variables` and whether it nests deeper than
 * MAX_VARIABLES_DEPTH, walked with an explicit stack: JSON.stringify (or any recursion) on
 * hostile, deeply nested input would overflow the call stack.
 */
function measureVariables(variables: unknown): { bytes: number; tooDeep: boolean } {
  let bytes = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value: variables, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop() as { value: unknown; depth: number };
    if (depth > MAX_VARIABLES_DEPTH) return { bytes, tooDeep: true };
    if (typeof value === "string") bytes += value.length + 2;
    else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        bytes += key.length + 4;
        stack.push({ value: item, depth: depth + 1 });
      }
    } else bytes += 8;
  }
  return { bytes, tooDeep: false };
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
    // GET (persisted queries a CDN may cache) carries the operation in the query string.
    const body: unknown = req.method === "GET" ? req.query : req.body;
    const operations = Array.isArray(body) ? body : [body];
    if (Array.isArray(body) && body.length > limits.maxBatch) {
      return sendGraphQLError(
        res,
        400,
        limits.maxBatch === 1 ? "Batched requests are disabled" : `At most ${limits.maxBatch} operations per batch`,
        "BATCH_LIMIT_EXCEEDED",
      );
    }
    for (const operation of operations) {
      const { variables, query } =
        typeof operation === "object" && operation !== null
          ? (operation as { variables?: unknown; query?: unknown })
          : {};
      if (typeof query === "string" && exceedsTokens(query, limits.maxTokens)) {
        return sendGraphQLError(res, 400, `The document has more than ${limits.maxTokens} tokens`, "QUERY_TOO_LARGE");
      }
      const problem = typeof query === "string" ? complexityProblem(query, limits.maxExpandedFields) : undefined;
      if (problem) return sendGraphQLError(res, 400, problem, "QUERY_TOO_COMPLEX");
      if (variables !== undefined) {
        const { bytes, tooDeep } = measureVariables(variables);
        if (tooDeep)
          return sendGraphQLError(
            res,
            400,
            `Variables nest deeper than ${MAX_VARIABLES_DEPTH} levels`,
            "VARIABLES_TOO_DEEP",
          );
        if (bytes > limits.maxVariablesBytes)
          return sendGraphQLError(
            res,
            413,
            `Variables exceed ${limits.maxVariablesBytes} bytes`,
            "VARIABLES_TOO_LARGE",
          );
      }
    }
    next();
  };
}
