import {
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  getOperationAST,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type SelectionNode,
  type SelectionSetNode,
  visit,
} from "graphql";
import type { Requirement, Requirements } from "./requirements";

/** One field on the way from the root to a removed field: its response key and type. */
export interface Step {
  key: string;
  type: GraphQLOutputType;
  /** When a fragment narrowed the parent to some object types: the field applies only to objects of these. */
  runtimeTypes?: ReadonlySet<string>;
}

/** A field taken out of the operation: its place in the response gets null (nullRemovedFields.ts). */
export interface RemovedField {
  steps: readonly Step[];
  /** Apollo's error path: response keys, "@" for the items of a list. Absent when the field was removed only because nothing in it was left. */
  errorPath?: readonly string[];
  /** The coordinate ("Query.users") whose requirement failed. */
  coordinate?: string;
}

export interface AuthorizedOperation {
  /** The operation without the removed fields (and the fragments it still uses); undefined when nothing is left to fetch. */
  document?: DocumentNode;
  removed: readonly RemovedField[];
  /**
   * Paths to objects where `__typename` was added to the operation (a field removed under a type
   * condition applies only to objects of that type): read to place nulls, then taken out again.
   */
  addedTypenames: readonly (readonly Step[])[];
}

const errorPathOf = (steps: readonly Step[]): string[] =>
  steps.flatMap((step, index) => {
    if (index === steps.length - 1) return [step.key];
    const levels: string[] = [];
    for (let type = getNullableType(step.type); isListType(type); type = getNullableType(type.ofType)) levels.push("@");
    return [step.key, ...levels];
  });

/**
 * The operation `operationName` of `document` with every field the caller may not see removed:
 * a field is removed when its own requirement or its type's is not `allowed`, and a field whose
 * selections were all removed goes too. Undefined when nothing was removed (the document runs as
 * sent). Named fragments that lost fields are inlined at each spread, since the response paths of
 * their fields differ per spread. `allowed` is called for every requirement met on the way, so
 * the same walk also lists the requirements a document involves (see requirementsIn).
 */
export function authorizeOperation(
  schema: GraphQLSchema,
  requirements: Requirements,
  document: DocumentNode,
  operationName: string | null | undefined,
  allowed: (requirement: Requirement) => boolean,
): AuthorizedOperation | undefined {
  const operation = getOperationAST(document, operationName);
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return undefined;
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const removed: RemovedField[] = [];
  const addedTypenames: Step[][] = [];
  const denied = (requirement: Requirement | undefined) => requirement !== undefined && !allowed(requirement);

  const narrow = (parent: GraphQLCompositeType, type: GraphQLCompositeType, current?: ReadonlySet<string>) =>
    isObjectType(type) && type !== parent ? new Set([type.name]) : current;

  const walk = (
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    path: readonly Step[],
    runtimeTypes?: ReadonlySet<string>,
  ): SelectionSetNode | undefined => {
    const kept: SelectionNode[] = [];
    let changed = false;
    // Whether a field was removed under a fragment that narrows this object to some types.
    let removedUnderCondition = false;
    const narrowing = (type: GraphQLCompositeType, walkInner: (narrowed?: ReadonlySet<string>) => void) => {
      const narrowed = narrow(parent, type, runtimeTypes);
      const before = removed.length;
      walkInner(narrowed);
      if (narrowed !== runtimeTypes && removed.slice(before).some((field) => field.steps.length === path.length + 1))
        removedUnderCondition = true;
    };
    const keep = (selection: SelectionNode, inner: SelectionSetNode | undefined, original: SelectionSetNode) => {
      if (inner === undefined) changed = true;
      else if (inner === original) kept.push(selection);
      else {
        changed = true;
        kept.push({ ...selection, selectionSet: inner } as SelectionNode);
      }
    };
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
        // Meta fields (__typename, introspection) and unknown ones (validation refused those already) stay.
        if (name.startsWith("__") || !field) {
          kept.push(selection);
          continue;
        }
        const steps = [...path, { key: selection.alias?.value ?? name, type: field.type, runtimeTypes }];
        const named = getNamedType(field.type);
        const coordinate = `${parent.name}.${name}`;
        if (denied(requirements.get(coordinate)) || denied(requirements.get(named.name))) {
          removed.push({ steps, errorPath: errorPathOf(steps), coordinate });
          changed = true;
          continue;
        }
        if (!selection.selectionSet || !isCompositeType(named)) {
          kept.push(selection);
          continue;
        }
        const inner = walk(selection.selectionSet, named, steps);
        if (inner === undefined) removed.push({ steps });
        keep(selection, inner, selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition && schema.getType(selection.typeCondition.name.value);
        const type = condition && isCompositeType(condition) ? condition : parent;
        narrowing(type, (narrowed) =>
          keep(selection, walk(selection.selectionSet, type, path, narrowed), selection.selectionSet),
        );
      } else {
        const fragment = fragments.get(selection.name.value);
        const condition = fragment && schema.getType(fragment.typeCondition.name.value);
        if (!fragment || !condition || !isCompositeType(condition)) {
          kept.push(selection);
          continue;
        }
        let inner: SelectionSetNode | undefined;
        narrowing(condition, (narrowed) => {
          inner = walk(fragment.selectionSet, condition, path, narrowed);
        });
        if (inner === undefined) changed = true;
        else if (inner === fragment.selectionSet) kept.push(selection);
        else {
          changed = true;
          kept.push({
            kind: Kind.INLINE_FRAGMENT,
            typeCondition: fragment.typeCondition,
            directives: selection.directives ?? [],
            selectionSet: inner,
          });
        }
      }
    }
    if (kept.length === 0) return undefined;
    const selectsTypename = kept.some(
      (selection) => selection.kind === Kind.FIELD && selection.name.value === "__typename" && !selection.alias,
    );
    if (removedUnderCondition && !selectsTypename) {
      kept.push({ kind: Kind.FIELD, name: { kind: Kind.NAME, value: "__typename" } });
      addedTypenames.push([...path]);
    }
    return changed ? { ...set, selections: kept } : set;
  };

  const selectionSet = walk(operation.selectionSet, root, []);
  if (selectionSet === operation.selectionSet) return undefined;
  if (!selectionSet) return { removed, addedTypenames };
  const rewritten: DefinitionNode = { ...operation, selectionSet };
  const used = new Set<string>();
  const collectSpreads = (node: DefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        if (used.has(spread.name.value)) return;
        used.add(spread.name.value);
        const fragment = fragments.get(spread.name.value);
        if (fragment) collectSpreads(fragment);
      },
    });
  collectSpreads(rewritten);
  return {
    document: {
      kind: Kind.DOCUMENT,
      definitions: [rewritten, ...[...fragments.values()].filter((fragment) => used.has(fragment.name.value))],
    },
    removed,
    addedTypenames,
  };
}

/** The distinct requirements the operation meets on its way (each field's and each field type's). */
export function requirementsIn(
  schema: GraphQLSchema,
  requirements: Requirements,
  document: DocumentNode,
  operationName: string | null | undefined,
): Requirement[] {
  if (requirements.size === 0) return [];
  const met = new Set<Requirement>();
  authorizeOperation(schema, requirements, document, operationName, (requirement) => {
    met.add(requirement);
    return true;
  });
  return [...met];
}
