export { apiSchemaOf } from "./composition/apiSchema";
export {
  composeSubgraphs,
  composeSupergraph,
  CompositionError,
  readSupergraphConfig,
  type SubgraphSdl,
} from "./composition/composeSupergraph";
export { runSchemaCheck, type SchemaCheckOptions, type SchemaCheckResult } from "./composition/schemaCheck";
export { formatSchemaCheckReport } from "./composition/schemaCheckReport";
export { codegenYamlOf, generatedConfigFiles, migrateJobOf, supergraphYamlOf } from "./generateConfig";
export { compositionSection, schemaCheckSection, toolsSections } from "./composition/compositionConfig";
