import { registry, SERVICES } from "@fedplat/registry";
import { codegenYamlOf, supergraphYamlOf } from "../src";

describe("generate:config", () => {
  it("generates one supergraph.yaml subgraph and one codegen.yml target per service, from the folder", () => {
    const supergraph = supergraphYamlOf(registry);
    const codegen = codegenYamlOf(registry);
    for (const service of SERVICES) {
      expect(supergraph).toContain(
        `  ${service.name}:\n    routing_url: http://localhost:${service.port}/graphql\n    schema:\n      file: ./${service.folder}/src/schema.graphql\n`,
      );
      expect(codegen).toContain(
        `  ${service.folder}/src/generated/resolvers.ts:\n    schema: ${service.folder}/src/schema.graphql\n`,
      );
    }
    expect(supergraph).toContain(
      "routing_url: http://localhost:4010/graphql\n    schema:\n      file: ./subgraphs/operations/src/schema.graphql",
    );
  });
});
