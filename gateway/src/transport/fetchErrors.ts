/** A fetch attempt that passed its deadline; named like fetch()'s own TimeoutError. */
export class SubgraphTimeoutError extends Error {
  override readonly name = "TimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

export const isTimeout = (error: unknown) =>
  typeof error === "object" && error !== null && (error as { name?: unknown }).name === "TimeoutError";
/** opossum's rejection while a circuit is open. */
export const isCircuitOpen = (error: unknown) =>
  typeof error === "object" && error !== null && (error as { code?: unknown }).code === "EOPENBREAKER";
/**
 * fetch() rejects with a TypeError ("fetch failed") when it could not connect or the connection
 * broke before an answer. Checked by name: undici's TypeError may come from another realm.
 */
export const isConnectionFailure = (error: unknown) =>
  typeof error === "object" && error !== null && (error as { name?: unknown }).name === "TypeError";
