/**
 * One way for every CLI of the repo (dlq, compose, schema:check, ...) to read its flags:
 * node:util parseArgs in strict mode, so a typo is an error instead of being ignored, and a
 * `--help` that prints the same usage text a wrong call shows.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";

/** Exit code of a wrong call (unknown flag, missing value, bad argument), as in getopt and bash. */
export const USAGE_EXIT_CODE = 2;

export interface CommandLineOptions<T extends NonNullable<ParseArgsConfig["options"]>> {
  /** Printed by `--help` / `-h` (stdout, exit 0) and after a usage error (stderr, exit 2). */
  usage: string;
  /** The flags, as node:util parseArgs takes them; `help` is added. @default {} */
  options?: T;
  /** Whether arguments that are not flags are accepted. @default false */
  allowPositionals?: boolean;
  /** @default process.argv.slice(2) */
  args?: string[];
}

/** Prints `message` and the usage to stderr, then exits with {@link USAGE_EXIT_CODE}. */
export function exitWithUsageError(usage: string, message: string): never {
  process.stderr.write(`${message}\n\n${usage.trimEnd()}\n`);
  process.exit(USAGE_EXIT_CODE);
}

/** Parses the command line strictly; exits on `--help` (0) and on any usage error (2). */
export function parseCommandLine<T extends NonNullable<ParseArgsConfig["options"]> = Record<never, never>>(
  spec: CommandLineOptions<T>,
) {
  const config = {
    args: spec.args ?? process.argv.slice(2),
    options: { ...spec.options, help: { type: "boolean", short: "h" } } as T & {
      help: { type: "boolean"; short: "h" };
    },
    allowPositionals: spec.allowPositionals ?? false,
    strict: true,
  } as const;
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown flags, missing
    // values and unexpected positionals; anything else is a bug, not a usage error.
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_"))
      exitWithUsageError(spec.usage, (error as Error).message);
    throw error;
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${spec.usage.trimEnd()}\n`);
    process.exit(0);
  }
  return parsed;
}
