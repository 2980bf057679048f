import { meros } from "meros/browser";

/** Times of one operation through the gateway, in ms from sending it. */
export interface DeferTimings {
  /** p50 of the whole (undeferred) response. */
  whole: number;
  /** p50 of the deferred query's first part (everything but the deferred fragments). */
  firstPart: number;
  /** p50 of its last part. */
  lastPart: number;
  requests: number;
}

type Payload = {
  data?: Record<string, unknown>;
  incremental?: Array<{ data: Record<string, unknown> | null; path: Array<string | number> }>;
  errors?: unknown[];
};

const p50 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** Keys in a fixed order: a deferred field lands after the others, an undeferred one where it was asked. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

/** Applies an incremental payload to the data so far (Apollo Client merges the same way). */
function merge(data: Record<string, unknown>, payload: Payload): void {
  for (const { data: part, path } of payload.incremental ?? []) {
    let target: unknown = data;
    for (const key of path) target = (target as Record<string | number, unknown>)[key];
    Object.assign(target as Record<string, unknown>, part);
  }
}

/**
 * One connection, one request at a time, so the figures are a request's own time: the deferred
 * query read part by part (Accept: multipart/mixed; deferSpec=20220824), and the same query without
 * @defer. Each deferred answer, merged, must equal the whole one.
 */
export async function measureDefer(
  url: string,
  headers: Record<string, string>,
  deferred: string,
  whole: string,
  variables: Record<string, unknown>,
  requests = 40,
): Promise<DeferTimings> {
  const send = (query: string, accept: string) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept, ...headers },
      body: JSON.stringify({ query, variables }),
    });
  const wholeTimes: number[] = [];
  const firstTimes: number[] = [];
  const lastTimes: number[] = [];
  let expected = "";
  for (let i = 0; i < requests + 5; i++) {
    const started = performance.now();
    const answer = (await (await send(whole, "application/json")).json()) as Payload;
    const wholeMs = performance.now() - started;
    if (answer.errors) throw new Error(`the undeferred query failed: ${JSON.stringify(answer.errors)}`);
    expected = canonical(answer.data);

    const sent = performance.now();
    const parts = await meros<Payload>(await send(deferred, "multipart/mixed;deferSpec=20220824,application/json"));
    if (parts instanceof Response) throw new Error("the deferred query was answered whole");
    let first = Number.NaN;
    const data: Record<string, unknown> = {};
    for await (const part of parts) {
      if (!part.json) throw new Error("a part that is not JSON");
      const payload: Payload = part.body;
      if (Number.isNaN(first)) {
        first = performance.now() - sent;
        Object.assign(data, payload.data);
      } else merge(data, payload);
      if (payload.errors || payload.incremental?.some((entry) => "errors" in entry))
        throw new Error(`the deferred query failed: ${JSON.stringify(payload)}`);
    }
    const last = performance.now() - sent;
    if (canonical(data) !== expected) throw new Error("the deferred parts, merged, differ from the whole answer");
    if (i < 5) continue; // warm-up: JIT, pools, query plans
    wholeTimes.push(wholeMs);
    firstTimes.push(first);
    lastTimes.push(last);
  }
  return { whole: p50(wholeTimes), firstPart: p50(firstTimes), lastPart: p50(lastTimes), requests };
}
