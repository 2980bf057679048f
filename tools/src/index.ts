export { apiSchemaOf } from "./composition/apiSchema";
export { composeSupergraph, CompositionError, readSupergraphConfig } from "./composition/composeSupergraph";
export { runSchemaCheck, type SchemaCheckOptions, type SchemaCheckResult } from "./composition/schemaCheck";
export { formatSchemaCheckReport } from "./composition/schemaCheckReport";
export { codegenYamlOf, generatedConfigFiles, migrateJobOf, supergraphYamlOf } from "./generateConfig";
