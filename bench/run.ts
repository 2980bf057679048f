/** `npm run bench [-- <name>]`: runs the named benchmark (default: all). */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { useTestEventKeys } from "@fedplat/devkit";

// The benchmarks sign and verify events as production does, with the test keys (never deployed);
// each benchmark process inherits them.
useTestEventKeys();

const BENCHMARKS = ["events", "gateway", "cache", "subscriptions", "telemetry", "chaos", "memory"];
const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith("-"));
const names = wanted.length ? wanted : BENCHMARKS;
for (const name of names) {
  if (!BENCHMARKS.includes(name)) {
    console.error(`unknown benchmark "${name}" (known: ${BENCHMARKS.join(", ")})`);
    process.exit(2);
  }
  const result = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, `${name}.ts`)], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
