import type { BaseContext } from "@fedplat/subgraph";
import type { AuditLog } from "./auditLog";
import type { DeadLetterOps } from "./deadLetterOps";

/** The operations subgraph's context: the dead letters and the audit log of admin actions. */
export interface OperationsContext extends BaseContext {
  deadLetters: DeadLetterOps;
  audit: AuditLog;
}
