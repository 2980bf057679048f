import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

/**
 * How many times the operation selects each of `wanted`'s field coordinates ("Query.orders"),
 * fragments expanded at each spread, plus 1 for its own name when `wanted` has it. Only wanted
 * coordinates are counted; the walk is bounded by the limits feature (GRAPHQL_MAX_EXPANDED_FIELDS),
 * which refused larger documents before this runs.
 */
export function coordinateCosts(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  wanted: ReadonlyMap<string, unknown>,
): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (coordinate: string) => {
    if (wanted.has(coordinate)) counts.set(coordinate, (counts.get(coordinate) ?? 0) + 1);
  };
  if (operation.name) add(operation.name.value);
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const walk = (set: SelectionSetNode, parent: GraphQLCompositeType) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const field =
          isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[selection.name.value] : undefined;
        if (!field) continue;
        add(`${parent.name}.${field.name}`);
        const named = getNamedType(field.type);
        if (selection.selectionSet && isCompositeType(named)) walk(selection.selectionSet, named);
      } else {
        const typeName =
          selection.kind === Kind.INLINE_FRAGMENT
            ? selection.typeCondition?.name.value
            : fragments.get(selection.name.value)?.typeCondition.name.value;
        const type = typeName ? schema.getType(typeName) : parent;
        const inner =
          selection.kind === Kind.INLINE_FRAGMENT
            ? selection.selectionSet
            : fragments.get(selection.name.value)?.selectionSet;
        if (inner && type && isCompositeType(type)) walk(inner, type);
      }
    }
  };
  const root = schema.getRootType(operation.operation);
  if (root) walk(operation.selectionSet, root);
  return counts;
}
