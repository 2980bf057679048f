import { type DocumentNode, Kind, type OperationDefinitionNode, type OperationTypeNode } from "graphql";

/** What the fetch pipeline needs to know of a subgraph operation, read from its parsed document. */
export interface OperationDescription {
  operation: OperationTypeNode;
  /** An `_entities` look-up of a query plan: the query planner asks for entities with this single root field (not in the API schema). */
  entityFetch: boolean;
}

export function describeOperation(document: DocumentNode): OperationDescription {
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  if (!operation) throw new Error("a subgraph fetch without an operation");
  const [first, ...others] = operation.selectionSet.selections;
  return {
    operation: operation.operation,
    entityFetch: others.length === 0 && first?.kind === Kind.FIELD && first.name.value === "_entities",
  };
}
