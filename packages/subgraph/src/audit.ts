import { badInput, timeOrderedId } from "@fedplat/runtime";
import type { Viewer } from "@fedplat/auth";

/** One row of a service's audit_log table, as written. */
export interface AuditRow {
  /** Time-ordered (UUIDv7): "newest first" is the primary key backwards. */
  id: string;
  actorId: string;
  /** The actor's roles, space-separated (a service with one role per user may store its own column type). */
  actorRole: string;
  /** "user" (access token) or "apiKey". */
  actorKind: "user" | "apiKey";
  action: string;
  target: string | null;
  outcome: "SUCCESS" | "FAILURE";
  detail: string | null;
}

/** What a successful action adds to its record. */
export interface AuditNote {
  target?: string | null;
  detail?: string | null;
}

export interface AuditedAction<T, Tx> {
  actor: Viewer;
  action: string;
  /** What the action applies to, when known before it runs. */
  target: string | null;
  /** The service's Prisma transaction. */
  transaction: <R>(fn: (tx: Tx) => Promise<R>) => Promise<R>;
  /** Inserts a row into the audit_log, in `tx` or (for a failure) on its own. */
  write: (tx: Tx | null, row: AuditRow) => Promise<unknown>;
  run: (tx: Tx) => Promise<T>;
  note?: (result: T) => AuditNote;
}

/**
 * Runs one admin action in a transaction and records it: a success in the same transaction as the
 * change (no change without its record, no record of a change rolled back), a failure (bad input,
 * not found) on its own afterwards, with the error's message. The error is then thrown as before.
 */
export async function runAudited<T, Tx>(action: AuditedAction<T, Tx>): Promise<T> {
  const row = (outcome: AuditRow["outcome"], note: AuditNote): AuditRow => ({
    id: timeOrderedId(),
    actorId: action.actor.id,
    actorRole: action.actor.roles.join(" "),
    actorKind: action.actor.kind ?? "user",
    action: action.action,
    target: (note.target ?? action.target)?.slice(0, 200) ?? null,
    outcome,
    detail: note.detail?.slice(0, 500) ?? null,
  });
  try {
    return await action.transaction(async (tx) => {
      const result = await action.run(tx);
      await action.write(tx, row("SUCCESS", action.note?.(result) ?? {}));
      return result;
    });
  } catch (error) {
    await action.write(null, row("FAILURE", { detail: error instanceof Error ? error.message : String(error) }));
    throw error;
  }
}

/** The audit log query's `action` filter, checked: a misspelt action would match nothing, silently. */
export function auditActionFilter(
  action: string | null | undefined,
  known: readonly string[],
  service: string,
): { action?: string } {
  if (action === null || action === undefined) return {};
  if (!known.includes(action))
    throw badInput(
      `unknown action "${action.slice(0, 100)}"; the ${service} audit log holds ${known.join(", ")}`,
      "action",
    );
  return { action };
}
