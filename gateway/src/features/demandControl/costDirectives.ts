import {
  type ConstDirectiveNode,
  Kind,
  parse,
  type TypeSystemDefinitionNode,
  type TypeSystemExtensionNode,
  valueFromASTUntyped,
} from "graphql";

/** `@listSize` of one field (the IBM cost specification, as composed by Federation 2.9). */
export interface ListSize {
  /** Items assumed when no slicing argument gives the size. */
  assumedSize?: number;
  /** Arguments whose value is the size of the list (`first`, `last`). */
  slicingArguments: readonly string[];
  /** Fields of the returned type that the size applies to (a connection's `edges`), instead of the field itself. */
  sizedFields: readonly string[];
  /** Exactly one slicing argument must have a value (given or the argument's default). @default true */
  requireOneSlicingArgument: boolean;
}

/** The cost metadata of a supergraph, by schema coordinate. */
export interface CostDirectives {
  /** `@cost(weight:)` by coordinate: `Type`, `Type.field`, `Type.field.argument`, `Input.field`. */
  weights: ReadonlyMap<string, number>;
  /** `@listSize` by `Type.field`. */
  listSizes: ReadonlyMap<string, ListSize>;
}

const COST_SPEC = "https://specs.apollo.dev/cost/";

/** The names the supergraph gives `@cost` and `@listSize`: its `@link` to the cost spec may rename or not import them. */
function directiveNames(definitions: readonly (TypeSystemDefinitionNode | TypeSystemExtensionNode)[]) {
  for (const definition of definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      const args = argumentsOf(link);
      if (link.name.value !== "link" || typeof args.url !== "string" || !args.url.startsWith(COST_SPEC)) continue;
      const prefix = typeof args.as === "string" ? args.as : "cost";
      const names = { cost: prefix, listSize: `${prefix}__listSize` };
      for (const entry of Array.isArray(args.import) ? args.import : []) {
        const { name, as } =
          typeof entry === "string" ? { name: entry, as: entry } : (entry as { name?: string; as?: string });
        if (name === "@listSize") names.listSize = (as ?? name).slice(1);
        if (name === "@cost") names.cost = (as ?? name).slice(1);
      }
      return names;
    }
  }
  return undefined;
}

function argumentsOf(directive: ConstDirectiveNode): Record<string, unknown> {
  return Object.fromEntries(
    (directive.arguments ?? []).map((argument) => [argument.name.value, valueFromASTUntyped(argument.value)]),
  );
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];

/**
 * Reads `@cost` and `@listSize` from a supergraph's SDL (read from the AST: the API schema the
 * gateway serves drops every directive definition that is not for clients). A supergraph without
 * a link to the cost spec has none.
 */
export function readCostDirectives(supergraphSdl: string): CostDirectives {
  const weights = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  const document = parse(supergraphSdl, { noLocation: true });
  const definitions = document.definitions.filter(
    (definition): definition is TypeSystemDefinitionNode | TypeSystemExtensionNode =>
      definition.kind !== Kind.OPERATION_DEFINITION && definition.kind !== Kind.FRAGMENT_DEFINITION,
  );
  const names = directiveNames(definitions);
  if (!names) return { weights, listSizes };

  const read = (coordinate: string, directives: readonly ConstDirectiveNode[] | undefined) => {
    for (const directive of directives ?? []) {
      const args = argumentsOf(directive);
      if (directive.name.value === names.cost && typeof args.weight === "number") weights.set(coordinate, args.weight);
      if (directive.name.value === names.listSize)
        listSizes.set(coordinate, {
          ...(typeof args.assumedSize === "number" ? { assumedSize: args.assumedSize } : {}),
          slicingArguments: strings(args.slicingArguments),
          sizedFields: strings(args.sizedFields),
          requireOneSlicingArgument: args.requireOneSlicingArgument !== false,
        });
    }
  };
  for (const definition of definitions) {
    if (!("name" in definition) || !definition.name || definition.kind === Kind.DIRECTIVE_DEFINITION) continue;
    const type = definition.name.value;
    read(type, definition.directives);
    if (!("fields" in definition)) continue;
    for (const field of definition.fields ?? []) {
      const coordinate = `${type}.${field.name.value}`;
      read(coordinate, field.directives);
      if ("arguments" in field)
        for (const argument of field.arguments ?? []) read(`${coordinate}.${argument.name.value}`, argument.directives);
    }
  }
  return { weights, listSizes };
}
