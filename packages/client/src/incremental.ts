import { meros } from "meros/browser";
import type { GraphQLErrorEntry } from "./errors";

/** What a client of @defer asks for: the gateway's incremental format, or a whole JSON answer. */
export const INCREMENTAL_ACCEPT = "multipart/mixed;deferSpec=20220824,application/json";

/** The data received so far: without the deferred fragments still to come while `hasNext` is true. */
export interface IncrementalResult<TResult> {
  data: TResult;
  hasNext: boolean;
  /** Errors of the parts received so far (a deferred part's errors arrive with it). */
  errors: GraphQLErrorEntry[];
}

interface Payload {
  data?: unknown;
  errors?: GraphQLErrorEntry[];
  hasNext?: boolean;
  incremental?: Array<{
    data: Record<string, unknown> | null;
    path: Array<string | number>;
    errors?: GraphQLErrorEntry[];
  }>;
}

/** Writes a deferred part into the data at its path (deep, as Apollo Client merges). */
function mergeAt(data: unknown, path: ReadonlyArray<string | number>, part: Record<string, unknown>): void {
  let target = data;
  for (const key of path) {
    if (target === null || typeof target !== "object") return; // its parent was nulled: nothing to fill
    target = (target as Record<string | number, unknown>)[key];
  }
  if (target === null || typeof target !== "object") return;
  for (const [key, value] of Object.entries(part)) {
    const existing = (target as Record<string, unknown>)[key];
    if (existing && value && typeof existing === "object" && typeof value === "object" && !Array.isArray(value))
      mergeAt(existing, [], value as Record<string, unknown>);
    else (target as Record<string, unknown>)[key] = value;
  }
}

/**
 * Reads a response to an operation with @defer, part by part (multipart/mixed, split by meros,
 * the parser Apollo's and urql's clients use), yielding the data so far after each part. A plain
 * JSON response (a gateway or cache that answered whole) is one result with `hasNext: false`.
 */
export async function* readIncremental<TResult>(response: Response): AsyncGenerator<IncrementalResult<TResult>> {
  const body = await meros<Payload>(response);
  if (body instanceof Response) {
    const whole = (await body.json()) as Payload;
    yield { data: whole.data as TResult, hasNext: false, errors: whole.errors ?? [] };
    return;
  }
  let data: unknown;
  const errors: GraphQLErrorEntry[] = [];
  for await (const part of body) {
    if (!part.json) continue;
    const payload: Payload = part.body;
    if (data === undefined) data = payload.data ?? null;
    errors.push(...(payload.errors ?? []));
    for (const entry of payload.incremental ?? []) {
      errors.push(...(entry.errors ?? []));
      if (entry.data) mergeAt(data, entry.path, entry.data);
    }
    // A copy per result: each one stays as it was when yielded while later parts fill the data.
    yield { data: structuredClone(data) as TResult, hasNext: payload.hasNext ?? false, errors: [...errors] };
  }
}
