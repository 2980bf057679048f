import { Supergraph } from "@apollo/federation-internals";
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  GraphQLIncludeDirective,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  GraphQLSkipDirective,
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isInputObjectType,
  isInputType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  typeFromAST,
  valueFromAST,
  type VariableDefinitionNode,
} from "graphql";
import { getDirectiveValues, getVariableValues } from "graphql/execution/values";
import { type CostDirectives, type ListSize, readCostDirectives } from "./costDirectives";

/** What an operation is estimated against: the API schema and the supergraph's `@cost`/`@listSize`. */
export interface CostModel extends CostDirectives {
  schema: GraphQLSchema;
  /** Items assumed for a list field without `@listSize` (or whose `@listSize` gives no size). */
  defaultListSize: number;
}

export interface CostModelOptions {
  /** The API schema when the caller has it already (the gateway does); otherwise built from the supergraph. */
  apiSchema?: GraphQLSchema;
  /** @default 10 */
  defaultListSize?: number;
}

/** Builds the cost model of a supergraph (gateway/src/features/demandControl, `npm run schema:check`). */
export function createCostModel(supergraphSdl: string, options: CostModelOptions = {}): CostModel {
  return {
    ...readCostDirectives(supergraphSdl),
    // Only read here: which `for: SECURITY` features are enforced is the authorization feature's check.
    schema:
      options.apiSchema ?? Supergraph.build(supergraphSdl, { supportedFeatures: null }).apiSchema().toGraphQLJSSchema(),
    defaultListSize: options.defaultListSize ?? 10,
  };
}

/** The operation's own cost, before its fields (Apollo's and IBM's defaults): a mutation 10, a query or subscription 0. */
const OPERATION_COST = { query: 0, mutation: 10, subscription: 0 } as const;

export interface CostRequest {
  document: DocumentNode;
  operationName?: string | null;
  variables?: Readonly<Record<string, unknown>> | null;
}

/** Refuses an operation whose list sizes the `@listSize` of a field requires but cannot be read. */
export class SlicingArgumentError extends GraphQLError {
  constructor(coordinate: string, slicingArguments: readonly string[], given: number) {
    super(`${coordinate} needs exactly one of its slicing arguments (${slicingArguments.join(", ")}); ${given} given`, {
      extensions: { code: "SLICING_ARGUMENT_REQUIRED", http: { status: 400 } },
    });
  }
}

type Variables = Record<string, unknown>;

/** What a response's value of one field costs, worked out once per walk for each selection and type (actualCost). */
interface FieldPlan {
  /** The response key. */
  key: string;
  /** `@cost` of the field, else of its type, else the default: per item returned. */
  weight: number;
  /** `@cost` of its arguments: once per field. */
  argumentsCost: number;
  /** Its selection sets, and the type they select on. */
  sets: readonly SelectionSetNode[];
  type: GraphQLNamedType;
}

/** Walks one operation: its fields grouped by response key as the executor merges them, skip/include applied. */
class OperationWalk {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  /** fieldPlans' answers, by the selection sets' array (each plan's `sets` is one, so a response's nesting hits it) and type. */
  private readonly plans = new Map<readonly SelectionSetNode[], Map<GraphQLObjectType, readonly FieldPlan[]>>();

  constructor(
    readonly model: CostModel,
    document: DocumentNode,
    readonly variables: Variables,
  ) {
    for (const definition of document.definitions)
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
  }

  /** The fields `type` (a concrete type) gets from these selection sets, by response key. */
  collect(type: GraphQLObjectType, sets: readonly SelectionSetNode[]): Map<string, FieldNode[]> {
    const fields = new Map<string, FieldNode[]>();
    const visit = (set: SelectionSetNode) => {
      for (const selection of set.selections) {
        if (!this.included(selection)) continue;
        if (selection.kind === Kind.FIELD) {
          const key = selection.alias?.value ?? selection.name.value;
          fields.set(key, [...(fields.get(key) ?? []), selection]);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          if (this.applies(type, selection.typeCondition?.name.value)) visit(selection.selectionSet);
        } else {
          const fragment = this.fragments.get(selection.name.value);
          if (fragment && this.applies(type, fragment.typeCondition.name.value)) visit(fragment.selectionSet);
        }
      }
    };
    for (const set of sets) visit(set);
    return fields;
  }

  /**
   * The fields `type` gets from these selection sets, with what each costs per item: the same for
   * every object of the response at this place, so worked out once (a list of 100 objects walks
   * its selection once, not 100 times).
   */
  fieldPlans(type: GraphQLObjectType, sets: readonly SelectionSetNode[]): readonly FieldPlan[] {
    let byType = this.plans.get(sets);
    if (!byType) {
      byType = new Map();
      this.plans.set(sets, byType);
    }
    const known = byType.get(type);
    if (known) return known;
    const plans: FieldPlan[] = [];
    for (const [key, nodes] of this.collect(type, sets)) {
      const [node] = nodes;
      const field = node ? type.getFields()[node.name.value] : undefined;
      if (!node || !field) continue; // __typename, or a field validation refuses anyway
      plans.push({
        key,
        weight: this.weightOf(type, field),
        argumentsCost: this.argumentsCost(type, field, this.argumentsOf(field, node)),
        sets: nodes.flatMap((each) => (each.selectionSet ? [each.selectionSet] : [])),
        type: getNamedType(field.type),
      });
    }
    byType.set(type, plans);
    return plans;
  }

  private applies(type: GraphQLObjectType, condition: string | undefined): boolean {
    if (!condition || condition === type.name) return true;
    const conditionType = this.model.schema.getType(condition);
    return conditionType !== undefined && isAbstractType(conditionType)
      ? this.model.schema.isSubType(conditionType, type)
      : false;
  }

  private included(node: SelectionSetNode["selections"][number]): boolean {
    const skip = getDirectiveValues(GraphQLSkipDirective, node, this.variables);
    if (skip?.if === true) return false;
    const include = getDirectiveValues(GraphQLIncludeDirective, node, this.variables);
    return include?.if !== false;
  }

  /** The concrete types a value of `type` may have. */
  concreteTypes(type: GraphQLNamedType): readonly GraphQLObjectType[] {
    if (isObjectType(type)) return [type];
    return isAbstractType(type) ? this.model.schema.getPossibleTypes(type) : [];
  }

  /** `@cost` of the field, else of its type, else 1 for objects, interfaces and unions and 0 for scalars and enums. */
  weightOf(parent: GraphQLObjectType, field: GraphQLField<unknown, unknown>): number {
    const type = getNamedType(field.type);
    return (
      this.model.weights.get(`${parent.name}.${field.name}`) ??
      this.model.weights.get(type.name) ??
      (isCompositeType(type) ? 1 : 0)
    );
  }

  /**
   * The field's arguments as the executor would see them, except that one it could not read (a
   * variable without a value) takes its default or stays unset, so documents estimate without
   * variables too (schema:check).
   */
  argumentsOf(field: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> {
    const args: Record<string, unknown> = {};
    for (const argument of field.args) {
      const given = node.arguments?.find((each) => each.name.value === argument.name)?.value;
      const value = given ? valueFromAST(given, argument.type, this.variables) : undefined;
      // An explicit null counts as the default too: the subgraphs page with their default for it.
      if (value !== undefined && value !== null) args[argument.name] = value;
      else if (argument.defaultValue !== undefined) args[argument.name] = argument.defaultValue;
      else if (value === null) args[argument.name] = null;
    }
    return args;
  }

  /** `@cost` of the arguments given (and of input fields inside them), counted once per field. */
  argumentsCost(
    parent: GraphQLObjectType,
    field: GraphQLField<unknown, unknown>,
    args: Record<string, unknown>,
  ): number {
    let cost = 0;
    for (const argument of field.args) {
      const value = args[argument.name];
      if (value === undefined || value === null) continue;
      cost += this.model.weights.get(`${parent.name}.${field.name}.${argument.name}`) ?? 0;
      cost += this.inputCost(argument.type, value);
    }
    return cost;
  }

  private inputCost(type: GraphQLInputType, value: unknown): number {
    const nullable = getNullableType(type);
    if (value === null || value === undefined) return 0;
    if (isListType(nullable))
      return Array.isArray(value)
        ? value.reduce((sum: number, item) => sum + this.inputCost(nullable.ofType, item), 0)
        : 0;
    if (!isInputObjectType(nullable) || typeof value !== "object") return 0;
    let cost = 0;
    for (const [name, inner] of Object.entries(value as Record<string, unknown>)) {
      const field = nullable.getFields()[name];
      if (!field || inner === null || inner === undefined) continue;
      cost += (this.model.weights.get(`${nullable.name}.${name}`) ?? 0) + this.inputCost(field.type, inner);
    }
    return cost;
  }

  /**
   * How many items a list field returns per its `@listSize`: the largest slicing argument given
   * (a schema default counts as given), else `assumedSize`; undefined leaves the default size.
   */
  listSizeOf(coordinate: string, args: Record<string, unknown>): number | undefined {
    const listSize: ListSize | undefined = this.model.listSizes.get(coordinate);
    if (!listSize) return undefined;
    const sizes = listSize.slicingArguments
      .map((name) => args[name])
      .filter((value): value is number => typeof value === "number");
    if (listSize.slicingArguments.length > 0 && listSize.requireOneSlicingArgument && sizes.length !== 1)
      throw new SlicingArgumentError(coordinate, listSize.slicingArguments, sizes.length);
    return sizes.length > 0 ? Math.max(0, ...sizes) : listSize.assumedSize;
  }
}

function operationOf(document: DocumentNode, operationName?: string | null): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  return operationName ? operations.find((operation) => operation.name?.value === operationName) : operations[0];
}

function defaultsOf(schema: GraphQLSchema, definitions: readonly VariableDefinitionNode[]): Variables {
  const variables: Variables = {};
  for (const definition of definitions) {
    const type = typeFromAST(schema, definition.type);
    const value =
      type && isInputType(type) && definition.defaultValue ? valueFromAST(definition.defaultValue, type) : undefined;
    if (value !== undefined) variables[definition.variable.name.value] = value;
  }
  return variables;
}

/** The operation to walk and its variables; undefined when the document has no such operation. */
function prepare(model: CostModel, request: CostRequest) {
  const operation = operationOf(request.document, request.operationName);
  if (!operation) return undefined;
  const root = model.schema.getRootType(operation.operation);
  if (!root) return undefined;
  const definitions = operation.variableDefinitions ?? [];
  const coerced = getVariableValues(model.schema, definitions, request.variables ?? {});
  // Variables that do not coerce (or none, as in schema:check): their defaults only. Execution
  // refuses invalid ones anyway, before any subgraph is called.
  const variables = coerced.errors ? defaultsOf(model.schema, definitions) : coerced.coerced;
  return { operation, root, walk: new OperationWalk(model, request.document, variables) };
}

/**
 * The estimated cost of an operation (IBM GraphQL cost spec, as Apollo Router and Hive Gateway
 * compute it): per field, its weight (`@cost`, else 1 for composite and 0 for leaf types) plus its
 * selection, times the list size for list fields (a slicing argument's value, `assumedSize`, or
 * `defaultListSize`), plus the `@cost` of the arguments given; a mutation adds 10. On an abstract
 * type, the costliest concrete type counts. Variables and fragments are resolved, aliases and
 * duplicates merged as the executor merges them, @skip/@include applied. Throws
 * SlicingArgumentError when a `requireOneSlicingArgument` field gets none or several.
 */
export function estimateCost(model: CostModel, request: CostRequest): number {
  const prepared = prepare(model, request);
  if (!prepared) return 0;
  const { operation, root, walk } = prepared;

  const selectionCost = (
    type: GraphQLNamedType,
    sets: readonly SelectionSetNode[],
    sized?: { fields: readonly string[]; size: number | undefined },
  ): number => {
    let costliest = 0;
    for (const concrete of walk.concreteTypes(type)) {
      let cost = 0;
      for (const nodes of walk.collect(concrete, sets).values()) {
        const [node] = nodes;
        if (!node) continue;
        const sizeFromParent = sized?.fields.includes(node.name.value) ? sized.size : undefined;
        cost += fieldCost(concrete, nodes, sizeFromParent);
      }
      costliest = Math.max(costliest, cost);
    }
    return costliest;
  };

  const fieldCost = (parent: GraphQLObjectType, nodes: readonly FieldNode[], sizeFromParent?: number): number => {
    const [node] = nodes;
    const field = node ? parent.getFields()[node.name.value] : undefined;
    if (!node || !field) return 0; // __typename, or a field validation refuses anyway
    const coordinate = `${parent.name}.${field.name}`;
    const args = walk.argumentsOf(field, node);
    const listSize = walk.listSizeOf(coordinate, args);
    const sizedFields = walk.model.listSizes.get(coordinate)?.sizedFields ?? [];
    const type = getNamedType(field.type);
    const sets = nodes.flatMap((each) => (each.selectionSet ? [each.selectionSet] : []));
    const perItem =
      walk.weightOf(parent, field) +
      (sets.length > 0
        ? selectionCost(type, sets, sizedFields.length > 0 ? { fields: sizedFields, size: listSize } : undefined)
        : 0);
    const items = isListType(getNullableType(field.type))
      ? (sizeFromParent ?? (sizedFields.length > 0 ? undefined : listSize) ?? walk.model.defaultListSize)
      : 1;
    return items * perItem + walk.argumentsCost(parent, field, args);
  };

  return OPERATION_COST[operation.operation] + selectionCost(root, [operation.selectionSet]);
}

/**
 * The actual cost of a response: the same weights as estimateCost, with each list counted by the
 * items it returned and each null or missing value by its arguments only.
 */
export function actualCost(model: CostModel, request: CostRequest, data: unknown): number {
  const prepared = prepare(model, request);
  if (!prepared) return 0;
  const { operation, root, walk } = prepared;

  const objectCost = (type: GraphQLNamedType, sets: readonly SelectionSetNode[], value: unknown): number => {
    if (value === null || typeof value !== "object") return 0;
    const record = value as Record<string, unknown>;
    const typename = typeof record.__typename === "string" ? record.__typename : undefined;
    const runtime = typename ? model.schema.getType(typename) : undefined;
    // Called for every object of the response: its one concrete type when known, without a list of candidates.
    const known = runtime && isObjectType(runtime) ? runtime : isObjectType(type) ? type : undefined;
    if (known) return costAs(known, sets, record);
    let costliest = 0;
    for (const concrete of walk.concreteTypes(type)) costliest = Math.max(costliest, costAs(concrete, sets, record));
    return costliest;
  };
  const costAs = (concrete: GraphQLObjectType, sets: readonly SelectionSetNode[], record: Record<string, unknown>) => {
    let cost = 0;
    for (const plan of walk.fieldPlans(concrete, sets)) {
      if (!(plan.key in record)) continue;
      cost += itemsCost(plan, record[plan.key]) + plan.argumentsCost;
    }
    return cost;
  };
  /** A field's value: each object it holds (lists counted by their items) costs the field's weight and its selection. */
  const itemsCost = (plan: FieldPlan, inner: unknown): number => {
    if (inner === null || inner === undefined) return 0;
    if (Array.isArray(inner)) {
      let sum = 0;
      for (const item of inner) sum += itemsCost(plan, item);
      return sum;
    }
    return plan.weight + objectCost(plan.type, plan.sets, inner);
  };

  return OPERATION_COST[operation.operation] + objectCost(root, [operation.selectionSet], data);
}
