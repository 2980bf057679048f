import { type DirectiveDefinitionNode, Kind, parse, print } from "graphql";
import { LIVE_SPEC, LiveDirectiveError, liveUpdateSchema, withLiveDirective } from "../src";

const FEDERATION = '@link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@composeDirective"])';
const sdl = (link: string, composed = '@composeDirective(name: "@live")') =>
  parse(`extend schema ${FEDERATION} ${link} ${composed}\ntype Query { ok: Boolean }`);
const definitions = (document: ReturnType<typeof parse>) =>
  document.definitions.filter((node): node is DirectiveDefinitionNode => node.kind === Kind.DIRECTIVE_DEFINITION);

describe("the @live directive's one shared definition", () => {
  it("is added to an SDL that links the live spec, once, under the name the SDL imports it as", () => {
    const linked = withLiveDirective(sdl(`@link(url: "${LIVE_SPEC.url}", import: ["@live"])`));
    expect(definitions(linked).map((node) => print(node))).toEqual([print(parse(LIVE_SPEC.definition))]);
    expect(withLiveDirective(linked)).toBe(linked); // defined already: left as it is

    const renamed = withLiveDirective(
      sdl(
        `@link(url: "${LIVE_SPEC.url}", import: [{ name: "@live", as: "@watch" }])`,
        '@composeDirective(name: "@watch")',
      ),
    );
    expect(definitions(renamed).map((node) => node.name.value)).toEqual(["watch"]);
  });

  it("leaves an SDL that does not link it untouched", () => {
    const document = parse(`extend schema ${FEDERATION}\ntype Query { ok: Boolean }`);
    expect(withLiveDirective(document)).toBe(document);
  });

  it("refuses a link without @composeDirective (its declarations would never reach the gateway) and other major versions", () => {
    expect(() => withLiveDirective(sdl(`@link(url: "${LIVE_SPEC.url}", import: ["@live"])`, ""))).toThrow(
      new LiveDirectiveError(
        'the SDL links https://fedplat.dev/live/v1.0 but lacks @composeDirective(name: "@live"): the gateway would not see its subscriptions',
      ),
    );
    expect(() => withLiveDirective(sdl('@link(url: "https://fedplat.dev/live/v2.0", import: ["@live"])'))).toThrow(
      LiveDirectiveError,
    );
  });
});

describe("live updates", () => {
  it("carry any GraphQL type name, so a new subgraph's entities need no change here", () => {
    expect(liveUpdateSchema.safeParse({ typename: "Task", id: "1", ownerId: "u" }).success).toBe(true);
    expect(liveUpdateSchema.safeParse({ typename: "not a type", id: "1", ownerId: "u" }).success).toBe(false);
  });
});
