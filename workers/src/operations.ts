import { badInput, type BaseContext, isAdmin, pageSize, scalarResolvers, type SubgraphRules } from "@fedplat/common";
import { type DeadLetterOps, unknownQueueProblem } from "./deadLetters";
import type { Resolvers } from "./generated/resolvers";

/** The workers' subgraph ("operations"): dead letters for admins. */
export interface OperationsContext extends BaseContext {
  deadLetters: DeadLetterOps;
}

export const operationsResolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    deadLetters: (_parent, { first, queue }, { deadLetters }) => deadLetters.list(pageSize(first, 50), queueFilter(queue)),
    deadLetter: (_parent, { id }, { deadLetters }) => deadLetters.show(id),
    deadLetterCount: (_parent, _args, { deadLetters }) => deadLetters.count(),
  },
  Mutation: {
    replayDeadLetter: async (_parent, { id }, { deadLetters }) => {
      try {
        return await deadLetters.replay(id);
      } catch (error) {
        throw badInput(`Dead letter ${id} cannot be replayed: ${error instanceof Error ? error.message : String(error)}`, "id");
      }
    },
    discardDeadLetter: (_parent, { id }, { deadLetters }) => deadLetters.discard(id),
    replayDeadLetters: (_parent, { queue }, { deadLetters }) => deadLetters.replayAll(queueFilter(queue)),
    discardDeadLetters: (_parent, { queue }, { deadLetters }) => deadLetters.discardAll(queueFilter(queue)),
  },
  DeadLetter: {
    failedAt: (letter) => new Date(letter.failedAt),
    event: (letter) => JSON.stringify(letter.event),
    eventType: (letter) => (typeof letter.event === "object" && letter.event !== null ? String((letter.event as { type?: unknown }).type ?? "") || null : null),
    eventId: (letter) => (typeof letter.event === "object" && letter.event !== null ? String((letter.event as { eventId?: unknown }).eventId ?? "") || null : null),
  },
};

/** A queue filter, checked (see unknownQueueProblem). */
function queueFilter(queue: string | null | undefined): string | undefined {
  if (queue === null || queue === undefined) return undefined;
  const problem = unknownQueueProblem(queue);
  if (problem) throw badInput(problem, "queue");
  return queue;
}

/** Deny by default: everything here is for admins. */
export const operationsPermissions: SubgraphRules = {
  Query: isAdmin,
  Mutation: isAdmin,
  DeadLetter: isAdmin,
  DeadLetterReplay: isAdmin,
};
