import {
  type ConstDirectiveNode,
  type ConstValueNode,
  type DocumentNode,
  Kind,
  parse,
  type SchemaExtensionNode,
  type SchemaDefinitionNode,
} from "graphql";

/**
 * What one schema element (a field, or a type fields return) demands of the caller, from the
 * composed `@authenticated`, `@requiresScopes` and `@policy` (federation v2.5/v2.6). Each of
 * `scopes` and `policies` holds one entry per directive occurrence, all of which must pass; an
 * entry passes when every name of ONE of its inner lists is granted (Apollo's OR of ANDs).
 */
export interface Requirement {
  authenticated: boolean;
  scopes: readonly (readonly (readonly string[])[])[];
  policies: readonly (readonly (readonly string[])[])[];
}

/** Type name ("Order") or field coordinate ("Query.orders") -> its requirement; absent: public. */
export type Requirements = ReadonlyMap<string, Requirement>;

/** The link specs composition writes into the supergraph (for: SECURITY), with their directives' default names. */
const SPECS = {
  authenticated: "https://specs.apollo.dev/authenticated/",
  requiresScopes: "https://specs.apollo.dev/requiresScopes/",
  policy: "https://specs.apollo.dev/policy/",
} as const;

type Spec = keyof typeof SPECS;

const stringOf = (value: ConstValueNode | undefined) => (value?.kind === Kind.STRING ? value.value : undefined);

/** How the supergraph names each spec's directive: `as:` renames it; a spec it does not link is absent. */
function directiveNames(document: DocumentNode): Map<string, Spec> {
  const names = new Map<string, Spec>();
  const schemas = document.definitions.filter(
    (d): d is SchemaDefinitionNode | SchemaExtensionNode =>
      d.kind === Kind.SCHEMA_DEFINITION || d.kind === Kind.SCHEMA_EXTENSION,
  );
  for (const link of schemas.flatMap((schema) => schema.directives ?? [])) {
    if (link.name.value !== "link") continue;
    const url = stringOf(link.arguments?.find((arg) => arg.name.value === "url")?.value);
    const as = stringOf(link.arguments?.find((arg) => arg.name.value === "as")?.value);
    for (const [spec, prefix] of Object.entries(SPECS) as [Spec, string][])
      if (url?.startsWith(prefix)) names.set(as ?? spec, spec);
  }
  return names;
}

/** `[["a", "b"], ["c"]]` as lists of strings; anything else (never from composition) as an unsatisfiable entry. */
function listsOf(directive: ConstDirectiveNode, argument: string): string[][] {
  const value = directive.arguments?.find((arg) => arg.name.value === argument)?.value;
  if (value?.kind !== Kind.LIST) return [];
  return value.values.map((inner) =>
    inner.kind === Kind.LIST ? inner.values.map((item) => stringOf(item) ?? "") : [stringOf(inner) ?? ""],
  );
}

function requirementOf(
  directives: readonly ConstDirectiveNode[] | undefined,
  names: Map<string, Spec>,
): Requirement | undefined {
  let authenticated = false;
  const scopes: string[][][] = [];
  const policies: string[][][] = [];
  for (const directive of directives ?? []) {
    const spec = names.get(directive.name.value);
    if (spec === "authenticated") authenticated = true;
    else if (spec === "requiresScopes") scopes.push(listsOf(directive, "scopes"));
    else if (spec === "policy") policies.push(listsOf(directive, "policies"));
  }
  return authenticated || scopes.length > 0 || policies.length > 0 ? { authenticated, scopes, policies } : undefined;
}

/** Every requirement a supergraph declares, by type name and field coordinate. */
export function readRequirements(supergraphSdl: string): Requirements {
  const document = parse(supergraphSdl, { noLocation: true });
  const names = directiveNames(document);
  const requirements = new Map<string, Requirement>();
  if (names.size === 0) return requirements;
  for (const definition of document.definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      definition.kind !== Kind.SCALAR_TYPE_DEFINITION &&
      definition.kind !== Kind.ENUM_TYPE_DEFINITION
    )
      continue;
    const typeName = definition.name.value;
    const ofType = requirementOf(definition.directives, names);
    if (ofType) requirements.set(typeName, ofType);
    if (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.INTERFACE_TYPE_DEFINITION)
      for (const field of definition.fields ?? []) {
        const ofField = requirementOf(field.directives, names);
        if (ofField) requirements.set(`${typeName}.${field.name.value}`, ofField);
      }
  }
  return requirements;
}

/** Every policy name the requirements mention (to check at start that each has a decider). */
export function policyNamesOf(requirements: Requirements): Set<string> {
  return new Set([...requirements.values()].flatMap((r) => r.policies.flat(2)));
}
