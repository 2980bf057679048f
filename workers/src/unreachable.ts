/**
 * Whether an error says a dependency (a consumer's database) could not be reached, rather than
 * that the work itself failed. Such an error is not the event's fault: retrying it burns the
 * job's attempts during an outage (5 attempts span ~15 s), so consumers pause instead (see
 * outagePause.ts). Everything else, business errors included, retries and dead-letters as before.
 */

/** Node socket errors: nothing listens, the connection was cut, or the network is gone. */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
]);

/**
 * Prisma: P1001 can't reach the server, P1002 reached but timed out, P1017 server closed the
 * connection, P2024 timed out fetching a connection from the pool.
 */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1017", "P2024"]);

/** Prisma's driver adapter's error kinds for the same (see @prisma/adapter-pg convertDriverError). */
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 57P01 admin shutdown, 57P02 crash
 * shutdown, 57P03 cannot connect now (starting up or shutting down), 53300 too many connections
 * (a restarted server is flooded by every pool reconnecting at once).
 */
const isUnreachableSqlState = (code: string) =>
  /^08[0-9A-Z]{3}$/.test(code) || code === "57P01" || code === "57P02" || code === "57P03" || code === "53300";

/**
 * Messages of errors that carry no code: node-postgres's when the server goes away mid-query,
 * pg-pool's connection timeout, Prisma's transaction start that waited too long for a connection.
 */
const UNREACHABLE_MESSAGES = [
  /Connection terminated/i,
  /Client has encountered a connection error and is not queryable/i,
  /timeout exceeded when trying to connect/i,
  /Can't reach database server/i,
  /Server has closed the connection/i,
  /Unable to start a transaction in the given time/i,
];

interface ErrorFields {
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  meta?: { driverAdapterError?: { cause?: unknown } };
}

function matches(error: ErrorFields): boolean {
  const code = typeof error.code === "string" ? error.code : undefined;
  if (code && (SOCKET_CODES.has(code) || PRISMA_CODES.has(code) || isUnreachableSqlState(code))) return true;
  if (typeof error.originalCode === "string" && isUnreachableSqlState(error.originalCode)) return true;
  if (typeof error.kind === "string" && ADAPTER_KINDS.has(error.kind)) return true;
  return (
    typeof error.message === "string" && UNREACHABLE_MESSAGES.some((pattern) => pattern.test(error.message as string))
  );
}

/** True when `error`, or an error it wraps (cause, AggregateError, Prisma's driver adapter error), says the database was unreachable. */
export function isUnreachable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.pop();
    if (current === null || typeof current !== "object" || seen.has(current)) continue;
    seen.add(current);
    const fields = current as ErrorFields;
    if (matches(fields)) return true;
    pending.push(fields.cause, fields.meta?.driverAdapterError?.cause);
    if (Array.isArray(fields.errors)) pending.push(...fields.errors);
  }
  return false;
}
