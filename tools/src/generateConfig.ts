import type { Registry, Service } from "@fedplat/registry";

type Services = Registry & { services: readonly Service[] };

const HEADER = "# Generated from services.json by `npm run generate:config`: edit the registry, not this file.\n";

/** YAML double-quoted only when plain style would misread it (mappers like "@fedplat/subgraph#Connection<X>"). */
const scalar = (value: string) => (/^[\w./#][\w ./#<>-]*$/.test(value) ? value : JSON.stringify(value));

/** supergraph.yaml (rover's format): each subgraph's routing URL and SDL, from the registry. */
export function supergraphYamlOf(registry: Services): string {
  const lines = [
    HEADER.trimEnd(),
    "# rover-compatible supergraph config: `npm run compose` writes supergraph.graphql from it.",
    `federation_version: ${registry.federationVersion}`,
    "subgraphs:",
  ];
  for (const service of registry.services) {
    lines.push(
      `  ${service.name}:`,
      `    routing_url: http://localhost:${service.port}/graphql`,
      "    schema:",
      `      file: ./${service.schemaFile}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The typed client and its persisted-documents manifest: the same for every registry. */
const CLIENT = `  # The typed client: graphql() documents under packages/client/src/operations, checked against
  # the composed supergraph. documentMode string: each document is the exact text whose hash is
  # its persisted-document id, so the fetch wrapper never re-prints it. The manifest
  # (persisted-documents.json, "sha256:<hex>" -> document) is what the gateway trusts.
  packages/client/src/generated/:
    schema: supergraph.graphql
    documents: packages/client/src/operations/**/*.ts
    preset: client
    presetConfig:
      fragmentMasking: false
      persistedDocuments:
        mode: embedHashInDocument
        hashAlgorithm: sha256
    config:
      documentMode: string
      useTypeImports: true
      enumsAsTypes: true
      scalars:
        DateTime: string
`;

/** codegen.yml: resolver types for every service (its context type and mappers), then the typed client. */
export function codegenYamlOf(registry: Services): string {
  const lines = [
    HEADER.trimEnd(),
    "# `npm run codegen`: resolver types for every subgraph, and the typed client (packages/client)",
    "# with its persisted-documents manifest. Output is committed and never edited.",
    "# Mappers point GraphQL types at the Prisma models the resolvers really return.",
    "overwrite: true",
    "config: &base",
    "  federation: true",
    "  useIndexSignature: true",
    "  useTypeImports: true",
    "  enumsAsTypes: true",
    "  scalars:",
    "    DateTime: Date",
    "generates:",
  ];
  for (const service of registry.services) {
    lines.push(
      `  ${service.folder}/src/generated/resolvers.ts:`,
      `    schema: ${service.schemaFile}`,
      "    plugins: [typescript, typescript-resolvers]",
      "    config:",
      "      <<: *base",
      `      contextType: ${scalar(service.codegen.contextType)}`,
    );
    const mappers = Object.entries(service.codegen.mappers);
    if (mappers.length)
      lines.push("      mappers:", ...mappers.map(([type, target]) => `        ${type}: ${scalar(target)}`));
  }
  return `${lines.join("\n")}\n${CLIENT}`;
}

/** Every file generated from the registry, by path relative to the repository root. */
export function generatedConfigFiles(registry: Services): Record<string, string> {
  return { "supergraph.yaml": supergraphYamlOf(registry), "codegen.yml": codegenYamlOf(registry) };
}
