import pLimit from "p-limit";
import type { ConnectionIdentity } from "./connectionAuth";

export interface SessionSweepOptions<Connection> {
  /** Time between the end of one sweep and the start of the next. */
  intervalMs: number;
  /** This replica's open connections, read at each sweep. */
  connections(): Iterable<Connection>;
  identityOf(connection: Connection): ConnectionIdentity;
  /** Called for each connection whose session ended (the caller closes it). */
  onEnded(connection: Connection): void;
  /** Checks (one per distinct viewer) running at once, so a sweep over many users does not flood accounts. @default 16 */
  concurrency?: number;
}

export interface SessionSweep {
  /** One sweep now (tests); resolves when every check has answered. */
  sweep(): Promise<void>;
  stop(): void;
}

/**
 * Ends idle connections with their session: the per-event check alone leaves a connection that
 * receives no event open until its token expires. Every `intervalMs`, the open connections are
 * grouped by session key and each key is checked once, through the same cached look-ups as
 * requests, so the cost follows distinct viewers, not connections. A verdict of "unknown"
 * (accounts unavailable) closes nothing: an idle connection sends nothing, and the per-event
 * check still fails closed before any event.
 */
export function startSessionSweep<Connection>(options: SessionSweepOptions<Connection>): SessionSweep {
  const limit = pLimit(options.concurrency ?? 16);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const sweep = async () => {
    const groups = new Map<string, { check: () => Promise<unknown>; members: Connection[] }>();
    const now = Date.now();
    for (const connection of options.connections()) {
      const { session, expiresAt } = options.identityOf(connection);
      // An expired token is its expiry timer's to close (4401), not a session's end.
      if (!session || (expiresAt !== undefined && expiresAt <= now)) continue;
      const group = groups.get(session.key);
      if (group) group.members.push(connection);
      else groups.set(session.key, { check: () => session.check(), members: [connection] });
    }
    await Promise.all(
      [...groups.values()].map((group) =>
        limit(async () => {
          if ((await group.check().catch(() => "unknown")) !== "ended") return;
          for (const connection of group.members) options.onEnded(connection);
        }),
      ),
    );
  };

  const schedule = () => {
    timer = setTimeout(() => {
      void sweep().finally(() => {
        if (!stopped) schedule();
      });
    }, options.intervalMs);
    timer.unref();
  };
  schedule();

  return {
    sweep,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
