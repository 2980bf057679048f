export { apiSchemaOf } from "./composition/apiSchema";
export { composeSupergraph, CompositionError, readSupergraphConfig } from "./composition/composeSupergraph";
export { runSchemaCheck, type SchemaCheckOptions, type SchemaCheckResult } from "./composition/schemaCheck";
export { formatSchemaCheckReport } from "./composition/schemaCheckReport";
export { codegenYamlOf, generatedConfigFiles, supergraphYamlOf } from "./generateConfig";
export { compositionSection, schemaCheckSection, toolsSections } from "./composition/compositionConfig";
