import type { Redis } from "@fedplat/runtime";

/** Whether the admin action did what was asked. */
export type AuditOutcome = "SUCCESS" | "FAILURE";

/** One admin action, as recorded. */
export interface AuditEvent {
  /** The stream entry's id (`<ms>-<seq>`): unique, time-ordered, the pagination cursor. */
  id: string;
  at: Date;
  actorId: string;
  /** CUSTOMER, STAFF or ADMIN; OPERATOR for the CLI. */
  actorRole: string;
  actorKind: AuditActor["kind"];
  action: string;
  /** What the action was applied to (a dead letter's id, a queue, an HTTP route of Bull Board). */
  target: string | null;
  outcome: AuditOutcome;
  /** Why it failed, or what it did (counts); never event data. */
  detail: string | null;
}

/**
 * Who acted: a viewer (access token: "user", or an API key), or someone at a terminal with direct
 * Redis access (`npm run dlq`: "cli", identified by OS user and host, role OPERATOR).
 */
export interface AuditActor {
  id: string;
  /** Stored space-separated in the record's actorRole. */
  roles: readonly string[];
  /** @default "user" */
  kind?: "user" | "apiKey" | "cli";
}

export interface AuditRecord {
  actor: AuditActor;
  action: string;
  target?: string | null;
  outcome: AuditOutcome;
  detail?: string | null;
}

export interface AuditLog {
  /** Appends one event; never throws (a lost record is logged by `onError`, the action stands). */
  record(entry: AuditRecord): Promise<void>;
  /** Newest first, `first` of them after the cursor `after` (an event id), only `action` when given. */
  list(first: number, after?: string, action?: string): Promise<{ events: AuditEvent[]; hasNextPage: boolean }>;
}

/**
 * Runs one admin action and records it, success or failure, before answering: who (the actor),
 * the action, its target, and what came of it (`describe` of the result, or the error).
 */
export async function recordAction<T>(
  audit: AuditLog,
  actor: AuditActor,
  action: string,
  target: string | null,
  run: () => Promise<T>,
  describe: (result: T) => string | null = () => null,
): Promise<T> {
  try {
    const result = await run();
    await audit.record({ actor, action, target, outcome: "SUCCESS", detail: describe(result) });
    return result;
  } catch (error) {
    await audit.record({
      actor,
      action,
      target,
      outcome: "FAILURE",
      detail: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
}

/** Stream ids are `<ms>-<seq>`; anything else as a cursor is refused rather than misread. */
export const isAuditCursor = (cursor: string) => /^\d{1,15}-\d{1,10}$/.test(cursor);

/** Entries read per round trip while filtering by action. */
const SCAN_PAGE = 500;

/**
 * The workers' audit log: a Redis stream, `<prefix>:audit-log`, capped at `maxEntries`.
 *
 * Why Redis and not a table: the workers own no PostgreSQL schema (each schema belongs to one
 * service, DESIGN.md), and borrowing one would let the workers' admin actions depend on another
 * service's migrations. Redis is already what the dead letters live in, so the record of a replay
 * sits next to the letter it replayed and is written by the same process without a second store
 * to reach. The cap (XADD MAXLEN ~) keeps memory bounded: at ~300 bytes an entry, 100 000 entries
 * are ~30 MB. Residual risk, in docs/admin-security.md: Redis is not append-only for someone who
 * can write to it, and the oldest entries are trimmed once the cap is reached.
 */
export function redisAuditLog(
  redis: Redis,
  prefix: string,
  maxEntries: number,
  onError: (error: unknown) => void = () => undefined,
): AuditLog {
  const key = `${prefix}:audit-log`;
  const eventOf = ([id, flat]: [string, string[]]): AuditEvent => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
    return {
      id,
      at: new Date(Number(id.split("-")[0])),
      actorId: fields.actorId ?? "",
      actorRole: fields.actorRole ?? "",
      actorKind: fields.actorKind === "apiKey" || fields.actorKind === "cli" ? fields.actorKind : "user",
      action: fields.action ?? "",
      target: fields.target || null,
      outcome: (fields.outcome ?? "SUCCESS") as AuditOutcome,
      detail: fields.detail || null,
    };
  };
  return {
    async record({ actor, action, target, outcome, detail }) {
      try {
        await redis.xadd(
          key,
          "MAXLEN",
          "~",
          String(maxEntries),
          "*",
          "actorId",
          actor.id,
          "actorRole",
          actor.roles.join(" "),
          "actorKind",
          actor.kind ?? "user",
          "action",
          action,
          "target",
          (target ?? "").slice(0, 200),
          "outcome",
          outcome,
          "detail",
          (detail ?? "").slice(0, 500),
        );
      } catch (error) {
        onError(error);
      }
    },
    async list(first, after, action) {
      const events: AuditEvent[] = [];
      let end = after ? `(${after}` : "+";
      for (;;) {
        const page = (await redis.xrevrange(key, end, "-", "COUNT", action ? SCAN_PAGE : first + 1)) as Array<
          [string, string[]]
        >;
        for (const entry of page.map(eventOf)) {
          if (action && entry.action !== action) continue;
          if (events.length === first) return { events, hasNextPage: true };
          events.push(entry);
        }
        const last = page.at(-1);
        if (!action || !last || page.length < SCAN_PAGE) return { events, hasNextPage: false };
        end = `(${last[0]}`;
      }
    },
  };
}
