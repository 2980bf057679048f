/**
 * `npm run compose`: writes supergraph.graphql from supergraph.yaml, and its copy in
 * infra/k8s/base (Kustomize loads files only from inside the kustomization's folder, so
 * `kubectl kustomize` with default options cannot read the root file).
 * `npm run compose -- --check`: exits 1 when either committed file is stale.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError, loadConfig, parseCommandLine } from "@fedplat/runtime";
import { composeSupergraph, CompositionError } from "./composeSupergraph";
import { compositionSection } from "./compositionConfig";

const { values } = parseCommandLine({
  usage: `usage: npm run compose [-- --check]

Composes supergraph.graphql from supergraph.yaml (SUPERGRAPH_CONFIG names another file).

options:
  --check      write nothing; exit 1 when the committed supergraph.graphql is stale
  -h, --help   print this text`,
  options: { check: { type: "boolean" } },
});
const root = resolve(__dirname, "../../..");
const OUTPUTS = ["supergraph.graphql", "infra/k8s/base/supergraph.graphql"];

try {
  const configPath = loadConfig({ composition: compositionSection }).composition.supergraphConfig;
  const { supergraphSdl, hints } = composeSupergraph(configPath);
  for (const hint of hints) console.warn(`hint: ${hint}`);
  const stale = OUTPUTS.filter((file) => {
    const path = resolve(root, file);
    return (existsSync(path) ? readFileSync(path, "utf8") : "") !== supergraphSdl;
  });
  if (values.check) {
    if (stale.length) {
      console.error(`${stale.join(", ")} stale: run \`npm run compose\` and commit the result.`);
      process.exit(1);
    }
    console.log("supergraph.graphql is up to date.");
  } else if (stale.length === 0) {
    console.log("supergraph.graphql is up to date.");
  } else {
    for (const file of stale) {
      writeFileSync(resolve(root, file), supergraphSdl);
      console.log(`Wrote ${file}`);
    }
  }
} catch (error) {
  console.error(error instanceof CompositionError || error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
