import { type AuditNote, auditActionFilter, paginate, runAudited } from "@fedplat/subgraph";
import { requireViewer } from "@fedplat/auth";
import type { CatalogContext } from "./context";
import type { CatalogPrisma } from "./db";

/** The admin actions this service records (the filter of catalogAuditLog is checked against them). */
export const CATALOG_AUDIT_ACTIONS = ["createProduct", "updateProduct", "uploadProductImage"] as const;
export type CatalogAuditAction = (typeof CATALOG_AUDIT_ACTIONS)[number];

/** The `tx` of an interactive transaction of the catalog client. */
export type CatalogTransaction = Parameters<Parameters<CatalogPrisma["$transaction"]>[0]>[0];
type Transaction = CatalogTransaction;

/** One admin action of this service, run and recorded in catalog.audit_log (see runAudited). */
export function audited<T>(
  context: CatalogContext,
  action: CatalogAuditAction,
  target: string | null,
  run: (tx: Transaction) => Promise<T>,
  note?: (result: T) => AuditNote,
): Promise<T> {
  return runAudited<T, Transaction>({
    actor: requireViewer(context),
    action,
    target,
    transaction: (fn) => context.prisma.$transaction(fn),
    write: (tx, row) => (tx ?? context.prisma).auditEvent.create({ data: row }),
    run,
    note,
  });
}

/** catalogAuditLog: newest first, a page at a time, only `action` when given. */
export function auditLogPage(
  prisma: CatalogPrisma,
  args: { first?: number | null; after?: string | null; action?: string | null },
) {
  const where = auditActionFilter(args.action, CATALOG_AUDIT_ACTIONS, "catalog");
  return paginate(
    { first: args.first, after: args.after },
    (page) => prisma.auditEvent.findMany({ ...page, where, orderBy: { id: "desc" } }),
    () => prisma.auditEvent.count({ where }),
  );
}
