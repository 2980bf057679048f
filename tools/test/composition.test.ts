import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { composeSubgraphs, composeSupergraph, CompositionError } from "../src";

const root = resolve(__dirname, "../..");

function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "compose-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return join(dir, "supergraph.yaml");
}

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])';

describe("composition", () => {
  it("the committed supergraph.graphql is what supergraph.yaml composes to (run `npm run compose` when this fails)", () => {
    const { supergraphSdl } = composeSupergraph(join(root, "supergraph.yaml"));
    expect(readFileSync(join(root, "supergraph.graphql"), "utf8")).toBe(supergraphSdl);
  });

  it("composes the five subgraphs with their routing URLs", () => {
    const { supergraphSdl } = composeSupergraph(join(root, "supergraph.yaml"));
    for (const [name, port] of [
      ["accounts", 4001],
      ["catalog", 4002],
      ["orders", 4003],
      ["payments", 4004],
      ["notifications", 4005],
    ] as const) {
      expect(supergraphSdl).toContain(`@join__graph(name: "${name}", url: "http://localhost:${port}/graphql")`);
    }
  });

  it("reports a conflict between subgraphs with its code and the subgraphs involved", () => {
    const config = fixture({
      "supergraph.yaml":
        "federation_version: =2.5.0\nsubgraphs:\n  a:\n    routing_url: http://a/graphql\n    schema:\n      file: a.graphql\n  b:\n    routing_url: http://b/graphql\n    schema:\n      file: b.graphql\n",
      "a.graphql": `${LINK}\ntype Query { thing: Thing }\ntype Thing @key(fields: "id") { id: ID! size: Int! }`,
      "b.graphql": `${LINK}\ntype Thing @key(fields: "id") { id: ID! size: String! }`,
    });
    expect(() => composeSupergraph(config)).toThrow(CompositionError);
    try {
      composeSupergraph(config);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain("FIELD_TYPE_MISMATCH");
      expect(message).toMatch(/subgraph "a"/);
      expect(message).toMatch(/subgraph "b"/);
    }
  });

  it("names the subgraph whose SDL does not parse", () => {
    const config = fixture({
      "supergraph.yaml":
        "federation_version: 2\nsubgraphs:\n  broken:\n    routing_url: http://x/graphql\n    schema:\n      file: broken.graphql\n",
      "broken.graphql": "type Query { oops: }",
    });
    expect(() => composeSupergraph(config)).toThrow(/^\[broken\] broken\.graphql: Syntax Error/);
  });

  it("names the invalid entry of a malformed supergraph.yaml", () => {
    const config = fixture({
      "supergraph.yaml": "federation_version: 1\nsubgraphs:\n  x:\n    schema:\n      file: x.graphql\n",
    });
    expect(() => composeSupergraph(config)).toThrow(
      /federation_version: only Federation 2 is supported[\s\S]*subgraphs\.x\.routing_url/,
    );
  });

  it("keeps subgraphs' @live declarations in the supergraph, with the one shared definition added", () => {
    const sdl = (composed: string) => ({
      name: "things",
      url: "http://things/graphql",
      sdl: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@composeDirective"])
        @link(url: "https://fedplat.dev/live/v1.0", import: ["@live"]) ${composed}
        type Thing @key(fields: "id") { id: ID! }
        type Query { thing(id: ID!): Thing }
        type Subscription { thingAdded: Thing! @live(query: "thing") }`,
    });
    const { supergraphSdl } = composeSubgraphs([sdl('@composeDirective(name: "@live")')]);
    expect(supergraphSdl).toContain('@link(url: "https://fedplat.dev/live/v1.0", import: ["@live"])');
    expect(supergraphSdl).toMatch(/directive @live\(/);
    expect(supergraphSdl).toContain('thingAdded: Thing! @live(query: "thing")');
    // Without @composeDirective the declarations would vanish from the supergraph: refused, naming the subgraph.
    expect(() => composeSubgraphs([sdl("")])).toThrow(/^\[things\] things: the SDL links .* lacks @composeDirective/);
  });
});
