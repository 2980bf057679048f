import { Kind, parse, print } from "graphql";

const DIRECTIVES = new Set(["authenticated", "requiresScopes", "policy"]);

/**
 * Type name or field coordinate -> its `@authenticated`, `@requiresScopes` and `@policy` as
 * written in the supergraph (composition names them so). The API schema drops these directives,
 * so the schema diff alone would not show who may read a field.
 */
export function authorizationOf(supergraphSdl: string): Map<string, string> {
  const rules = new Map<string, string>();
  const record = (coordinate: string, directives: readonly { name: { value: string } }[] | undefined) => {
    const printed = (directives ?? [])
      .filter((directive) => DIRECTIVES.has(directive.name.value))
      .map((directive) => print(directive as Parameters<typeof print>[0]))
      .sort();
    if (printed.length) rules.set(coordinate, printed.join(" "));
  };
  for (const definition of parse(supergraphSdl, { noLocation: true }).definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      definition.kind !== Kind.SCALAR_TYPE_DEFINITION &&
      definition.kind !== Kind.ENUM_TYPE_DEFINITION
    )
      continue;
    record(definition.name.value, definition.directives);
    if (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.INTERFACE_TYPE_DEFINITION)
      for (const field of definition.fields ?? [])
        record(`${definition.name.value}.${field.name.value}`, field.directives);
  }
  return rules;
}

/** Coordinates whose authorization differs between two supergraphs, with what it was and is ("none" when absent). */
export function authorizationChanges(
  baselineSdl: string,
  currentSdl: string,
): { coordinate: string; before: string; after: string }[] {
  const before = authorizationOf(baselineSdl);
  const after = authorizationOf(currentSdl);
  return [...new Set([...before.keys(), ...after.keys()])]
    .filter((coordinate) => before.get(coordinate) !== after.get(coordinate))
    .sort()
    .map((coordinate) => ({
      coordinate,
      before: before.get(coordinate) ?? "none",
      after: after.get(coordinate) ?? "none",
    }));
}
