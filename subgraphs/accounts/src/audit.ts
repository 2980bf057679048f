import { type AuditNote, auditActionFilter, paginate, runAudited } from "@fedplat/subgraph";
import { requireViewer } from "@fedplat/auth";
import type { AccountsContext } from "./context";
import { highestRole } from "./auth/keyRole";
import type { AccountsPrisma } from "./db";

/** The admin actions this service records (the filter of accountsAuditLog is checked against them). */
export const ACCOUNTS_AUDIT_ACTIONS = ["setUserRole", "setUserDisabled", "createApiKey", "revokeApiKey"] as const;
export type AccountsAuditAction = (typeof ACCOUNTS_AUDIT_ACTIONS)[number];

type Transaction = Parameters<Parameters<AccountsPrisma["$transaction"]>[0]>[0];

/** One admin action of this service, run and recorded in accounts.audit_log (see runAudited). */
export function audited<T>(
  context: AccountsContext,
  action: AccountsAuditAction,
  target: string | null,
  run: (tx: Transaction) => Promise<T>,
  note?: (result: T) => AuditNote,
): Promise<T> {
  return runAudited<T, Transaction>({
    actor: requireViewer(context),
    action,
    target,
    transaction: (fn) => context.prisma.$transaction(fn),
    // accounts' audit_log stores one Role (an enum): the highest the actor holds (admin actions need ADMIN).
    write: (tx, row) =>
      (tx ?? context.prisma).auditEvent.create({
        data: { ...row, actorRole: highestRole(row.actorRole.split(" ")) ?? "CUSTOMER" },
      }),
    run,
    note,
  });
}

/** accountsAuditLog: newest first, a page at a time, only `action` when given. */
export function auditLogPage(
  prisma: AccountsPrisma,
  args: { first?: number | null; after?: string | null; action?: string | null },
) {
  const where = auditActionFilter(args.action, ACCOUNTS_AUDIT_ACTIONS, "accounts");
  return paginate(
    { first: args.first, after: args.after },
    (page) => prisma.auditEvent.findMany({ ...page, where, orderBy: { id: "desc" } }),
    () => prisma.auditEvent.count({ where }),
  );
}
