import { type DocumentNode, Kind, type OperationDefinitionNode, type SelectionSetNode } from "graphql";

/** Root mutation fields that check or create a password: each call can cost an argon2 hash. */
export const CREDENTIAL_FIELDS: ReadonlySet<string> = new Set(["login", "register"]);

/**
 * The credential fields (CREDENTIAL_FIELDS) among an operation's root fields, also those reached
 * through fragments or inline fragments at the root (`mutation { ...F }`), aliased or not.
 */
export function credentialFieldsOf(operation: OperationDefinitionNode, document: DocumentNode): string[] {
  const fragments = new Map(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [],
    ),
  );
  const found: string[] = [];
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (CREDENTIAL_FIELDS.has(selection.name.value)) found.push(selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  visit(operation.selectionSet);
  return found;
}
