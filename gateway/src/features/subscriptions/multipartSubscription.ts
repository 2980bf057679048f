import type { Response } from "express";
import type { ExecutionResult, GraphQLError } from "graphql";

export interface MultipartSubscriptionOptions {
  /** The subscription's events, or the result that refuses it (sent as the only payload). */
  prepared: AsyncIterableIterator<ExecutionResult> | ExecutionResult;
  /** Time between heartbeats (`{}`), which keep proxies and clients from timing the stream out. */
  heartbeatMs: number;
  /** Why the stream was cut short (its connection closed), read once the events end: sent as a transport error. */
  transportError(): readonly GraphQLError[] | undefined;
}

const DELIMITER = "\r\n--graphql";
/** Each part is followed by the delimiter at once: a client reads a part when the next delimiter comes (the incremental delivery framing). */
const part = (json: unknown) =>
  `\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${JSON.stringify(json)}${DELIMITER}`;
const END = "--\r\n";

/**
 * Apollo's multipart HTTP subscription protocol (what Apollo Client's HttpLink speaks): each event
 * is a part `{"payload": <result>}`, a heartbeat part `{}` every few seconds, a transport error
 * `{"payload": null, "errors": [...]}`, and the closing boundary ends the subscription.
 * Hand-written: the protocol is a few lines of framing and no maintained server library speaks it
 * (meros, in the tree, only parses it on the client side).
 */
export async function writeMultipartSubscription(res: Response, options: MultipartSubscriptionOptions): Promise<void> {
  res.writeHead(200, {
    "content-type": 'multipart/mixed; boundary="graphql"; subscriptionSpec="1.0"',
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  // Waits for each write: a slow reader stops pulling events, and the core's queue limit applies.
  // A failed write means the client is gone: the response's close ends the subscription.
  const write = (chunk: string) => new Promise<void>((resolve) => res.write(chunk, () => resolve()));
  const { prepared } = options;
  // A heartbeat at once sends the headers, so the client knows it is subscribed.
  await write(DELIMITER + part({}));
  if (!(Symbol.asyncIterator in prepared)) {
    await write(part({ payload: prepared }));
    res.end(END);
    return;
  }
  const heartbeat = setInterval(() => {
    if (res.writable) res.write(part({}));
  }, options.heartbeatMs);
  res.once("close", () => void prepared.return?.());
  try {
    for await (const result of prepared) {
      if (!res.writable) break;
      await write(part({ payload: result }));
    }
    const errors = options.transportError();
    if (errors && res.writable) await write(part({ payload: null, errors }));
  } finally {
    clearInterval(heartbeat);
    res.end(END);
  }
}
