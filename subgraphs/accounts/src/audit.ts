import { badInput, paginate, requireViewer, timeOrderedId } from "@fedplat/common";
import type { AccountsContext } from "./context";
import type { AccountsPrisma } from "./db";

/** The admin actions this service records (the filter of accountsAuditLog is checked against them). */
export const ACCOUNTS_AUDIT_ACTIONS = ["setUserRole", "createApiKey", "revokeApiKey"] as const;
export type AccountsAuditAction = (typeof ACCOUNTS_AUDIT_ACTIONS)[number];

type Transaction = Parameters<Parameters<AccountsPrisma["$transaction"]>[0]>[0];

/** What a successful action adds to its record. */
export interface AuditNote {
  target?: string | null;
  detail?: string | null;
}

/**
 * Runs one admin action in a transaction and records it: a success in the same transaction as the
 * change (no change without its record, no record of a change rolled back), a failure (bad input,
 * not found) on its own afterwards, with the error's message. The error is then thrown as before.
 */
export async function audited<T>(context: AccountsContext, action: AccountsAuditAction, target: string | null, run: (tx: Transaction) => Promise<T>, note: (result: T) => AuditNote = () => ({})): Promise<T> {
  const actor = requireViewer(context);
  const record = { actorId: actor.id, actorRole: actor.role, actorKind: actor.kind ?? "user", action };
  try {
    return await context.prisma.$transaction(async (tx) => {
      const result = await run(tx);
      const { target: noted, detail } = note(result);
      await tx.auditEvent.create({ data: { ...record, id: timeOrderedId(), target: noted ?? target, outcome: "SUCCESS", detail: detail ?? null } });
      return result;
    });
  } catch (error) {
    await context.prisma.auditEvent.create({ data: { ...record, id: timeOrderedId(), target: target?.slice(0, 200) ?? null, outcome: "FAILURE", detail: (error instanceof Error ? error.message : String(error)).slice(0, 500) } });
    throw error;
  }
}

/** accountsAuditLog: newest first, a page at a time, only `action` when given. */
export function auditLogPage(prisma: AccountsPrisma, args: { first?: number | null; after?: string | null; action?: string | null }) {
  const { action } = args;
  if (action != null && !(ACCOUNTS_AUDIT_ACTIONS as readonly string[]).includes(action)) {
    throw badInput(`unknown action "${action.slice(0, 100)}"; the accounts audit log holds ${ACCOUNTS_AUDIT_ACTIONS.join(", ")}`, "action");
  }
  const where = action == null ? {} : { action };
  return paginate(
    { first: args.first, after: args.after },
    (page) => prisma.auditEvent.findMany({ ...page, where, orderBy: { id: "desc" } }),
    () => prisma.auditEvent.count({ where }),
  );
}
