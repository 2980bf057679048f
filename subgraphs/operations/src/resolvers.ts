import { badInput } from "@fedplat/runtime";
import { pageSize, scalarResolvers } from "@fedplat/subgraph";
import { requireViewer } from "@fedplat/auth";
import { isAuditCursor, recordAction } from "./auditLog";
import type { OperationsContext } from "./context";
import { unknownQueueProblem } from "./deadLetterOps";
import type { Resolvers } from "./generated/resolvers";

/** Actions the operations audit log holds (the filter of operationsAuditLog is checked against them). */
export const OPERATIONS_AUDIT_ACTIONS = [
  "replayDeadLetter",
  "discardDeadLetter",
  "replayDeadLetters",
  "discardDeadLetters",
  "bullBoardSignIn",
  "bullBoard",
] as const;

/** One admin action of the viewer (an ADMIN: id, role, token or API key), run and recorded (recordAction). */
function audited<T>(
  context: OperationsContext,
  action: (typeof OPERATIONS_AUDIT_ACTIONS)[number],
  target: string | null,
  run: () => Promise<T>,
  describe?: (result: T) => string | null,
): Promise<T> {
  return recordAction(context.audit, requireViewer(context), action, target, run, describe);
}

export const operationsResolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    deadLetters: (_parent, { first, queue }, { deadLetters }) =>
      deadLetters.list(pageSize(first, 50), queueFilter(queue)),
    deadLetter: (_parent, { id }, { deadLetters }) => deadLetters.show(id),
    deadLetterCount: (_parent, _args, { deadLetters }) => deadLetters.count(),
    operationsAuditLog: async (_parent, { first, after, action }, { audit }) => {
      if (after && !isAuditCursor(after)) throw badInput('"after" is not a valid cursor', "after");
      if (action && !(OPERATIONS_AUDIT_ACTIONS as readonly string[]).includes(action))
        throw badInput(
          `unknown action "${action.slice(0, 100)}"; the operations audit log holds ${OPERATIONS_AUDIT_ACTIONS.join(", ")}`,
          "action",
        );
      const { events, hasNextPage } = await audit.list(pageSize(first, 20), after ?? undefined, action ?? undefined);
      return {
        edges: events.map((node) => ({ cursor: node.id, node })),
        pageInfo: { hasNextPage, endCursor: events.at(-1)?.id ?? null },
      };
    },
  },
  Mutation: {
    replayDeadLetter: (_parent, { id }, context) =>
      audited(
        context,
        "replayDeadLetter",
        id,
        async () => {
          try {
            return await context.deadLetters.replay(id);
          } catch (error) {
            throw badInput(
              `Dead letter ${id} cannot be replayed: ${error instanceof Error ? error.message : String(error)}`,
              "id",
            );
          }
        },
        (replayed) => (replayed ? null : "no such dead letter"),
      ),
    discardDeadLetter: (_parent, { id }, context) =>
      audited(
        context,
        "discardDeadLetter",
        id,
        () => context.deadLetters.discard(id),
        (discarded) => (discarded ? null : "no such dead letter"),
      ),
    replayDeadLetters: (_parent, { queue }, context) =>
      audited(
        context,
        "replayDeadLetters",
        queue ?? null,
        () => context.deadLetters.replayAll(queueFilter(queue)),
        ({ replayed, refused }) => `replayed ${replayed}, refused ${refused}`,
      ),
    discardDeadLetters: (_parent, { queue }, context) =>
      audited(
        context,
        "discardDeadLetters",
        queue ?? null,
        () => context.deadLetters.discardAll(queueFilter(queue)),
        (discarded) => `discarded ${discarded}`,
      ),
  },
  AuditEvent: {
    actorKind: (event) => (({ user: "USER", apiKey: "API_KEY", cli: "CLI" }) as const)[event.actorKind ?? "user"],
  },
  DeadLetter: {
    failedAt: (letter) => new Date(letter.failedAt),
    event: (letter) => JSON.stringify(letter.event),
    eventType: (letter) =>
      typeof letter.event === "object" && letter.event !== null
        ? String((letter.event as { type?: unknown }).type ?? "") || null
        : null,
    eventId: (letter) =>
      typeof letter.event === "object" && letter.event !== null
        ? String((letter.event as { eventId?: unknown }).eventId ?? "") || null
        : null,
  },
};

/** A queue filter, checked (see unknownQueueProblem). */
function queueFilter(queue: string | null | undefined): string | undefined {
  if (queue === null || queue === undefined) return undefined;
  const problem = unknownQueueProblem(queue);
  if (problem) throw badInput(problem, "queue");
  return queue;
}
