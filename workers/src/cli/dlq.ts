/**
 * `npm run dlq -- list [limit] | show <id> | replay <id> | discard <id>`, and `replay --all
 * [queue]` / `discard --all [queue]` for every dead letter (of one queue, e.g. events-payments):
 * the dead letters from a terminal (REDIS_URL and BULLMQ_PREFIX as for the workers). `--help`
 * prints the usage.
 */
import { hostname, userInfo } from "node:os";
import { createRedis, exitWithUsageError, parseCommandLine } from "@fedplat/runtime";
import { CONSUMERS, DEAD_LETTER_QUEUE, queueOf } from "@fedplat/events";
import { Queue } from "bullmq";
import { type AuditActor, recordAction, redisAuditLog } from "@fedplat/operations/workers";
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

const USAGE = `usage: npm run dlq -- <command> [options]

commands:
  list [limit]            the newest dead letters (default 100)
  show <id>               one dead letter as JSON
  replay <id>             send one back to its queue
  discard <id>            delete one
  replay --all [queue]    every dead letter, or those of one queue (e.g. events-payments)
  discard --all [queue]

options:
  --all                   every dead letter (replay and discard only)
  -h, --help              print this text

REDIS_URL and BULLMQ_PREFIX are read as the workers read them (.env too).
exit codes: 0 done, 1 not found or refused, 2 wrong usage`;

const COMMANDS = ["list", "show", "replay", "discard"];

/** The command line, or exit 2 with the usage: a typo must never touch the dead letters. */
function commandLine(): { command: string; argument?: string; all: boolean; queueName?: string } {
  const { values, positionals } = parseCommandLine({
    usage: USAGE,
    options: { all: { type: "boolean" } },
    allowPositionals: true,
  });
  const [command, second, ...rest] = positionals;
  const all = values.all === true;
  if (!command || !COMMANDS.includes(command)) exitWithUsageError(USAGE, `unknown command "${command ?? ""}"`);
  if (rest.length) exitWithUsageError(USAGE, `unexpected argument "${rest[0]}"`);
  if (all) {
    if (command !== "replay" && command !== "discard") exitWithUsageError(USAGE, `--all goes with replay or discard`);
    return { command, all, queueName: second };
  }
  if (command === "list" && second !== undefined && !/^[1-9][0-9]*$/.test(second))
    exitWithUsageError(USAGE, `list takes a positive number, not "${second}"`);
  if (command !== "list" && second === undefined) exitWithUsageError(USAGE, `${command} needs a dead letter id`);
  return { command, argument: second, all };
}

async function main(): Promise<number> {
  const { command, argument, all, queueName } = commandLine();
  const problem = queueName === undefined ? undefined : unknownQueueProblem(queueName);
  if (problem) {
    console.error(problem);
    return 2;
  }
  const config = loadWorkersConfig();
  const redis = createRedis(config.redis.url, "fedplat-dlq-cli");
  const options = { connection: redis, prefix: config.queues.prefix };
  const queues = CONSUMERS.map((consumer) => new Queue(queueOf(consumer), options));
  const deadLetters = new Queue(DEAD_LETTER_QUEUE, options);
  const ops = deadLetterOps(deadLetters, (name) => queues.find((queue) => queue.name === name), retryPolicyOf(config));
  // Replays and discards from a terminal are admin actions too: recorded like those through GraphQL.
  const audit = redisAuditLog(redis, config.queues.prefix, config.admin.auditLogMaxEntries, (error) =>
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
