/**
 * `npm run dlq -- list [limit] | show <id> | replay <id> | discard <id>`, and `replay --all
 * [queue]` / `discard --all [queue]` for every dead letter (of one queue, e.g. events-payments):
 * the dead letters from a terminal (REDIS_URL and BULLMQ_PREFIX as for the workers).
 */
import { hostname, userInfo } from "node:os";
import { createRedis, envVars, loadDotEnv, parseEnv } from "@fedplat/runtime";
import { CONSUMERS, DEAD_LETTER_QUEUE, queueOf } from "@fedplat/events";
import { Queue } from "bullmq";
import { z } from "zod";
import { type AuditActor, recordAction, redisAuditLog } from "@fedplat/operations";
import { deadLetterOps, unknownQueueProblem } from "../deadLetters";
import { loadWorkersConfig, retryPolicyOf } from "../config";

/** Who runs the CLI, for the audit log: OS user at host (a container may have no user entry: its uid). */
function operator(): AuditActor {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = `uid ${process.getuid?.() ?? "?"}`;
  }
  return { id: `${user}@${hostname()}`, roles: ["OPERATOR"], kind: "cli" };
}

const USAGE =
  "usage: npm run dlq -- list [limit] | show <id> | replay <id> | discard <id> | replay --all [queue] | discard --all [queue]";

async function main(): Promise<number> {
  loadDotEnv();
  const [command, argument, queueName] = process.argv.slice(2);
  const all = argument === "--all" && (command === "replay" || command === "discard");
  if (
    !command ||
    !["list", "show", "replay", "discard"].includes(command) ||
    (command !== "list" && !argument) ||
    (queueName !== undefined && !all)
  ) {
    console.error(USAGE);
    return 2;
  }
  const problem = queueName === undefined ? undefined : unknownQueueProblem(queueName);
  if (problem) {
    console.error(problem);
    return 2;
  }
  parseEnv(z.object({ REDIS_URL: envVars.redisUrl }));
  const config = loadWorkersConfig();
  const redis = createRedis(config.REDIS_URL, "fedplat-dlq-cli");
  const options = { connection: redis, prefix: config.BULLMQ_PREFIX };
  const queues = CONSUMERS.map((consumer) => new Queue(queueOf(consumer), options));
  const deadLetters = new Queue(DEAD_LETTER_QUEUE, options);
  const ops = deadLetterOps(deadLetters, (name) => queues.find((queue) => queue.name === name), retryPolicyOf(config));
  // Replays and discards from a terminal are admin actions too: recorded like those through GraphQL.
  const audit = redisAuditLog(redis, config.BULLMQ_PREFIX, config.AUDIT_LOG_MAX_ENTRIES, (error) =>
    console.error(`audit event not recorded: ${error instanceof Error ? error.message : String(error)}`),
  );
  const actor = operator();
  const audited = <T>(
    action: string,
    target: string | null,
    run: () => Promise<T>,
    describe: (result: T) => string | null,
  ) => recordAction(audit, actor, action, target, run, describe);
  const found = (done: boolean) => (done ? null : "no such dead letter");
  try {
    switch (command) {
      case "list": {
        const letters = await ops.list(Number(argument ?? 100));
        console.log(`${letters.length} dead letter(s) of ${await ops.count()}`);
        for (const letter of letters) {
          const event = letter.event as { type?: string };
          console.log(
            `${letter.id}  ${event.type ?? "?"}  ${letter.consumer}  attempts=${letter.attempts}  ${letter.failedAt}  ${letter.errors.at(-1) ?? ""}`,
          );
        }
        return 0;
      }
      case "show": {
        const letter = await ops.show(argument ?? "");
        if (!letter) return notFound(argument);
        console.log(JSON.stringify(letter, null, 2));
        return 0;
      }
      case "replay":
        if (all) {
          const { replayed, refused } = await audited(
            "replayDeadLetters",
            queueName ?? null,
            () => ops.replayAll(queueName),
            (r) => `replayed ${r.replayed}, refused ${r.refused}`,
          );
          console.log(
            `replayed ${replayed} dead letter(s)${refused > 0 ? `; ${refused} refused (from the outbox, or still invalid: see \`show\`)` : ""}`,
          );
          return refused > 0 ? 1 : 0;
        }
        if (!(await audited("replayDeadLetter", argument ?? null, () => ops.replay(argument ?? ""), found)))
          return notFound(argument);
        console.log(`replayed ${argument}`);
        return 0;
      default:
        if (all) {
          console.log(
            `discarded ${await audited(
              "discardDeadLetters",
              queueName ?? null,
              () => ops.discardAll(queueName),
              (n) => `discarded ${n}`,
            )} dead letter(s)`,
          );
          return 0;
        }
        if (!(await audited("discardDeadLetter", argument ?? null, () => ops.discard(argument ?? ""), found)))
          return notFound(argument);
        console.log(`discarded ${argument}`);
        return 0;
    }
  } finally {
    await Promise.all([...queues, deadLetters].map((queue) => queue.close()));
    await redis.quit();
  }
}

function notFound(id: string | undefined): number {
  console.error(`no dead letter ${id ?? ""}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
