import type { Logger } from "@fedplat/runtime";
import { OUTBOX_CHANNEL } from "@fedplat/event-store";
import pg from "pg";

export interface OutboxWakeups {
  close(): Promise<void>;
}

/**
 * LISTENs for committed outbox rows (writeOutbox NOTIFYs with the producer's schema) on each
 * database and wakes the relay for that schema: events leave within milliseconds of their commit,
 * and idle outboxes are not polled every few milliseconds. One connection per database; after a
 * lost connection it reconnects with backoff and wakes every schema once, because notifications
 * sent meanwhile are gone (the relay's poll covers the gap too).
 */
export function listenForOutboxRows(
  databases: readonly pg.ClientConfig[],
  wake: (schema: string) => void,
  schemas: readonly string[],
  logger: Logger,
): OutboxWakeups {
  let closed = false;
  const clients = new Set<pg.Client>();
  const timers = new Set<NodeJS.Timeout>();

  const listen = (database: pg.ClientConfig, failures: number): void => {
    if (closed) return;
    const client = new pg.Client({ ...database, application_name: "fedplat-relay-listener" });
    clients.add(client);
    let retried = false;
    let connected = false;
    const retry = (error: unknown) => {
      clients.delete(client);
      client.end().catch(() => undefined);
      if (closed || retried) return;
      retried = true;
      logger.warn(
        { err: error, failures: failures + 1 },
        "outbox listener lost its database connection; the relay polls until it is back",
      );
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          listen(database, connected ? 0 : failures + 1);
        },
        connected ? 500 : Math.min(30_000, 500 * 2 ** failures),
      );
      timers.add(timer);
    };
    client.on("error", retry);
    client.on("end", () => retry(new Error("connection ended")));
    client.on("notification", (message) => {
      if (message.payload) wake(message.payload);
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${OUTBOX_CHANNEL}`))
      .then(() => {
        connected = true;
        for (const schema of schemas) wake(schema);
      })
      .catch(retry);
  };

  // One listener per database (the services may share one): keyed by where the pool connects.
  const distinct = new Map(
    databases.map((database) => [
      JSON.stringify([database.connectionString, database.host, database.port, database.database]),
      database,
    ]),
  );
  for (const database of distinct.values()) listen(database, 0);
  return {
    close: async () => {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      await Promise.all([...clients].map((client) => client.end().catch(() => undefined)));
    },
  };
}
