import { LIVE_SPEC } from "./liveUpdates";
import {
  type ConstArgumentNode,
  type ConstDirectiveNode,
  type DirectiveDefinitionNode,
  type DocumentNode,
  Kind,
  parse,
} from "graphql";

/** A subgraph SDL that declares subscriptions wrongly (e.g. links `@live` without composing it). */
export class LiveDirectiveError extends Error {
  override name = "LiveDirectiveError";
}

const definition = parse(LIVE_SPEC.definition).definitions[0] as DirectiveDefinitionNode;

const stringArgument = (argument: ConstArgumentNode | undefined) =>
  argument?.value.kind === Kind.STRING ? argument.value.value : undefined;

/** The `@link` directives of the document's schema definitions and extensions. */
function links(document: DocumentNode): ConstDirectiveNode[] {
  return document.definitions.flatMap((node) =>
    node.kind === Kind.SCHEMA_DEFINITION || node.kind === Kind.SCHEMA_EXTENSION
      ? (node.directives ?? []).filter((directive) => directive.name.value === "link")
      : [],
  );
}

/** How a document that links the live spec names `@live` (imports and `as:` may rename it); undefined if it does not link it. */
export function liveDirectiveName(document: DocumentNode): string | undefined {
  for (const link of links(document)) {
    const argument = (name: string) => link.arguments?.find((arg) => arg.name.value === name);
    const url = stringArgument(argument("url"));
    if (!url?.startsWith(`${LIVE_SPEC.identity}/`)) continue;
    if (!/^v1\.\d+$/.test(url.slice(LIVE_SPEC.identity.length + 1)))
      throw new LiveDirectiveError(`${url}: this platform implements ${LIVE_SPEC.url} (version 1.x)`);
    const imports = argument("import")?.value;
    for (const entry of imports?.kind === Kind.LIST ? imports.values : []) {
      if (entry.kind === Kind.STRING && entry.value === `@${LIVE_SPEC.directive}`) return LIVE_SPEC.directive;
      if (entry.kind !== Kind.OBJECT) continue;
      const field = (name: string) => {
        const value = entry.fields.find((f) => f.name.value === name)?.value;
        return value?.kind === Kind.STRING ? value.value : undefined;
      };
      if (field("name") === `@${LIVE_SPEC.directive}`) return (field("as") ?? `@${LIVE_SPEC.directive}`).slice(1);
    }
    // Not imported: the spec's own directive is named after the spec (`as:` renames both).
    return stringArgument(argument("as")) ?? LIVE_SPEC.directive;
  }
  return undefined;
}

/**
 * The subgraph's SDL with the `@live` definition added when it links the live spec and does not
 * define it itself: the one definition (LIVE_SPEC) is shared by every
 * subgraph server and by composition, so services never copy it. Throws when the SDL links the
 * spec without `@composeDirective`, which would silently drop its declarations from the supergraph.
 */
export function withLiveDirective(document: DocumentNode): DocumentNode {
  const name = liveDirectiveName(document);
  if (!name) return document;
  const composed = document.definitions.some(
    (node) =>
      (node.kind === Kind.SCHEMA_DEFINITION || node.kind === Kind.SCHEMA_EXTENSION) &&
      node.directives?.some(
        (directive) =>
          directive.name.value === "composeDirective" &&
          stringArgument(directive.arguments?.find((arg) => arg.name.value === "name")) === `@${name}`,
      ),
  );
  if (!composed)
    throw new LiveDirectiveError(
      `the SDL links ${LIVE_SPEC.url} but lacks @composeDirective(name: "@${name}"): the gateway would not see its subscriptions`,
    );
  const defined = document.definitions.some(
    (node) => node.kind === Kind.DIRECTIVE_DEFINITION && node.name.value === name,
  );
  if (defined) return document;
  return {
    ...document,
    definitions: [...document.definitions, { ...definition, name: { kind: Kind.NAME, value: name } }],
  };
}
