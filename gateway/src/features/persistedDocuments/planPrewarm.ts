import { setImmediate as nextTurn } from "node:timers/promises";
import type { Logger } from "@fedplat/runtime";
import { Kind, parse } from "graphql";
import type { PrewarmQueryPlan } from "../../feature";

/** The operations of a document, by name (undefined: its one anonymous operation). */
function operationNamesOf(document: string): Array<string | undefined> {
  return parse(document).definitions.flatMap((definition) =>
    definition.kind === Kind.OPERATION_DEFINITION ? [definition.name?.value] : [],
  );
}

/**
 * Builds the query plan of every operation of every trusted document before a client asks for it,
 * at start and again after a new supergraph (which empties the plan cache) or manifest. Plans are
 * built with no progressive-override label on: a request whose labels are all off (every request,
 * when the supergraph has none) finds its plan cached; other label sets are planned on first use.
 * A document the current schema refuses is skipped: clients get the same validation error as before.
 * Yields between documents so requests keep being served while a reload's plans are built.
 */
export async function prewarmPlans(
  documents: Iterable<string>,
  prewarm: PrewarmQueryPlan,
  logger: Logger,
): Promise<{ planned: number; refused: number }> {
  const started = performance.now();
  let planned = 0;
  let refused = 0;
  for (const document of Array.from(documents)) {
    try {
      for (const name of operationNamesOf(document)) if (await prewarm(document, name)) planned++;
    } catch (error) {
      refused++;
      logger.debug({ err: error }, "a trusted document was not planned");
    }
    await nextTurn();
  }
  const ms = Math.round(performance.now() - started);
  if (refused > 0)
    logger.warn(
      { planned, refused, ms },
      "query plans built ahead; some trusted documents do not plan on this supergraph",
    );
  else logger.info({ planned, ms }, "query plans of the trusted documents built ahead");
  return { planned, refused };
}
