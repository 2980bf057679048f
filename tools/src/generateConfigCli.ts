/**
 * `npm run generate:config`: writes supergraph.yaml, codegen.yml and the k8s migration Job from services.json.
 * `--check`: writes nothing, exits 1 naming each file that differs from what the registry generates.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { registry } from "@fedplat/registry";
import { generatedConfigFiles } from "./generateConfig";

const root = resolve(__dirname, "../..");
const check = process.argv.includes("--check");
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
