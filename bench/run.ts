/** `npm run bench [-- <name>]`: runs the named benchmark (default: all). */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { useTestEventKeys } from "@fedplat/devkit";
import { exitWithUsageError, parseCommandLine } from "@fedplat/runtime";

// The benchmarks sign and verify events as production does, with the test keys (never deployed);
// each benchmark process inherits them.
useTestEventKeys();

const BENCHMARKS = ["events", "gateway", "uploads", "cache", "subscriptions", "telemetry", "chaos", "memory"];
const USAGE = `usage: npm run bench [-- <name>...]

Runs the named benchmarks (default: all): ${BENCHMARKS.join(", ")}.

options:
  -h, --help   print this text`;
const { positionals } = parseCommandLine({ usage: USAGE, allowPositionals: true });
const unknown = positionals.find((name) => !BENCHMARKS.includes(name));
if (unknown) exitWithUsageError(USAGE, `unknown benchmark "${unknown}"`);
const names = positionals.length ? positionals : BENCHMARKS;
for (const name of names) {
  const result = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, `${name}.ts`)], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
