/**
 * `npm run generate:config`: writes supergraph.yaml, codegen.yml and the k8s migration Job from services.json.
 * `--check`: writes nothing, exits 1 naming each file that differs from what the registry generates.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { registry } from "@fedplat/registry";
import { parseCommandLine } from "@fedplat/runtime";
import { generatedConfigFiles } from "./generateConfig";

const root = resolve(__dirname, "../..");
const { values } = parseCommandLine({
  usage: `usage: npm run generate:config [-- --check]

Writes supergraph.yaml and codegen.yml from services.json.

options:
  --check      write nothing; exit 1 naming each file that differs
  -h, --help   print this text`,
  options: { check: { type: "boolean" } },
});
const check = values.check === true;
const stale: string[] = [];
for (const [file, text] of Object.entries(generatedConfigFiles(registry))) {
  const path = join(root, file);
  let current: string | undefined;
  try {
    current = readFileSync(path, "utf8");
  } catch {
    current = undefined;
  }
  if (current === text) continue;
  if (check) stale.push(file);
  else {
    writeFileSync(path, text);
    console.log(`wrote ${file}`);
  }
}
if (stale.length) {
  console.error(`${stale.join(", ")} differ from services.json: run \`npm run generate:config\``);
  process.exit(1);
}
