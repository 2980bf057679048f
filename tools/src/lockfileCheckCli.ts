/** `npm run lint:lockfile`: exits 1 when package-lock.json would fail or fall short under `npm ci`. */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseCommandLine } from "@fedplat/runtime";
import { type LockedPackage, lockfileProblems, type Manifest } from "./lockfileCheck";

parseCommandLine({
  usage:
    "npm run lint:lockfile\n\nChecks package-lock.json against every package.json and for missing platform binaries.",
});
const root = resolve(__dirname, "../..");
const readJson = (file: string) => JSON.parse(readFileSync(join(root, file), "utf8"));
const lock: { packages: Record<string, LockedPackage> } = readJson("package-lock.json");
const manifests: Record<string, Manifest> = { "": readJson("package.json") };
for (const folder of Object.keys(lock.packages).filter((path) => !path.includes("node_modules/") && path !== ""))
  manifests[folder] = readJson(`${folder}/package.json`);
const problems = lockfileProblems(lock.packages, manifests);
for (const problem of problems) console.error(problem);
if (problems.length) {
  console.error('\nHow to fix it: docs/dependencies.md ("The lockfile").');
  process.exit(1);
}
console.log(`package-lock.json: ${Object.keys(manifests).length} manifests in sync, every platform binary locked`);
