/**
 * `npm run compose`: writes supergraph.graphql from supergraph.yaml.
 * `npm run compose -- --check`: exits 1 when the committed supergraph.graphql is stale.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseCommandLine } from "@fedplat/runtime";
import { composeSupergraph, CompositionError } from "./composeSupergraph";

const { values } = parseCommandLine({
  usage: `usage: npm run compose [-- --check]

Composes supergraph.graphql from supergraph.yaml (SUPERGRAPH_CONFIG names another file).

options:
  --check      write nothing; exit 1 when the committed supergraph.graphql is stale
  -h, --help   print this text`,
  options: { check: { type: "boolean" } },
});
const root = resolve(__dirname, "../../..");
const configPath = resolve(root, process.env.SUPERGRAPH_CONFIG ?? "supergraph.yaml");
const outputPath = resolve(root, "supergraph.graphql");

try {
  const { supergraphSdl, hints } = composeSupergraph(configPath);
  for (const hint of hints) console.warn(`hint: ${hint}`);
  const current = existsSync(outputPath) ? readFileSync(outputPath, "utf8") : "";
  if (values.check) {
    if (current !== supergraphSdl) {
      console.error("supergraph.graphql is stale: run `npm run compose` and commit the result.");
      process.exit(1);
    }
    console.log("supergraph.graphql is up to date.");
  } else if (current === supergraphSdl) {
    console.log("supergraph.graphql is up to date.");
  } else {
    writeFileSync(outputPath, supergraphSdl);
    console.log(`Wrote ${outputPath}`);
  }
} catch (error) {
  console.error(error instanceof CompositionError ? error.message : error);
  process.exit(1);
}
