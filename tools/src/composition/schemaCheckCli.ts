/**
 * `npm run schema:check`: composes the supergraph from the subgraphs' current SDL, compares it
 * with the committed supergraph.graphql and with main's, validates the published client
 * operations, and prints a report. Exit 0: passed; 1: a breaking change or a broken client
 * operation; 2: invalid input (configuration, SDL that does not compose, acknowledgements file, manifest).
 */
import { ConfigError, loadConfig } from "@fedplat/runtime";
import { AcknowledgementFileError } from "./acknowledgements";
import { ClientManifestError } from "./clientOperations";
import { CompositionError } from "./composeSupergraph";
import { compositionSection, schemaCheckSection } from "./compositionConfig";
import { runSchemaCheck } from "./schemaCheck";
import { formatSchemaCheckReport } from "./schemaCheckReport";

async function main(): Promise<number> {
  const { composition, check } = loadConfig({ composition: compositionSection, check: schemaCheckSection });
  const result = await runSchemaCheck({
    configPath: composition.supergraphConfig,
    baselinePath: check.baseline,
    gitRef: check.gitRef === "none" ? undefined : check.gitRef,
    acknowledgementsPath: check.acknowledgements,
    manifestPaths: check.manifests,
  });
  console.log(formatSchemaCheckReport(result));
  return result.failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = [ConfigError, CompositionError, AcknowledgementFileError, ClientManifestError].some(
      (kind) => error instanceof kind,
    );
    console.error(`schema check could not run: ${known && error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
