import {
  BREAK,
  type DefinitionNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getOperationAST,
  type GraphQLField,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  parse,
  parseType,
  print,
  type SelectionSetNode,
  specifiedRules,
  validate,
  type ValidationRule,
  visit,
} from "graphql";
import { lruBound } from "@fedplat/runtime";
import { LRUCache } from "lru-cache";
import type { LiveField, LiveFieldTable } from "./liveFields";

/**
 * The error code of a subscription to a field the gateway cannot serve (no valid `@live`
 * declaration in its subgraph's SDL); other fields keep being served.
 */
export const SUBSCRIPTION_NOT_SERVED = "SUBSCRIPTION_NOT_SERVED";

/** The variable the rewritten query receives the updated entity's id in. */
export const LIVE_ID_VARIABLE = "fedplatLiveId";

/**
 * A subscription document, checked once and rewritten into the query each event runs:
 * `subscription S($id: ID!) { e: orderStatusChanged(orderId: $id) { status customer { email } } }`
 * becomes `query S($fedplatLiveId: ID!) { e: order(id: $fedplatLiveId) { status customer { email } } }`,
 * so the gateway plans and authorizes every event exactly like that query.
 */
export interface LivePlan {
  /** The subscription as the client sent it (for graphql-ws and argument values). */
  document: DocumentNode;
  operation: OperationDefinitionNode;
  rootField: FieldNode;
  fieldDefinition: GraphQLField<unknown, unknown>;
  live: LiveField;
  /** Where the payload is in each result (the root field's alias or name). */
  responseKey: string;
  /** The rewritten query, printed once. */
  query: string;
  /** Client variables the query still uses (others only fed the subscription's own arguments). */
  queryVariables: readonly string[];
  /**
   * The query defers fragments (`@defer`): each event is delivered in parts. A `@defer` on a
   * fragment around the root field itself is dropped with that fragment: the root is the event.
   */
  deferred: boolean;
}

export interface LivePlannerOptions {
  /** The API schema. */
  schema: GraphQLSchema;
  /** How each Subscription field is served: the supergraph's `@live` declarations (liveFieldTable). */
  live: LiveFieldTable;
  /** The gateway's own limits (depth, cost, aliases...), applied to subscriptions too. */
  validationRules: readonly ValidationRule[];
  /** Most tokens a document may have (GRAPHQL_MAX_TOKENS). */
  maxTokens: number;
  /** Distinct documents remembered. @default 1000 */
  cacheSize?: number;
}

const badRequest = (message: string, code = "BAD_REQUEST") => [new GraphQLError(message, { extensions: { code } })];

/**
 * Checks and rewrites subscription documents, remembering each distinct one: thousands of
 * clients sending the same subscription share one parsed document and one query string.
 */
export function createLivePlanner(
  options: LivePlannerOptions,
): (query: string, operationName?: string | null) => LivePlan | readonly GraphQLError[] {
  const cache = new LRUCache<string, LivePlan | readonly GraphQLError[]>(lruBound(options.cacheSize ?? 1000));
  const rules = [...specifiedRules, ...options.validationRules];
  return (query, operationName) => {
    const key = `${operationName ?? ""}\u0000${query}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const planned = plan(query, operationName ?? undefined);
    cache.set(key, planned);
    return planned;
  };

  function plan(query: string, operationName: string | undefined): LivePlan | readonly GraphQLError[] {
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: options.maxTokens, noLocation: false });
    } catch (error) {
      return badRequest(error instanceof GraphQLError ? error.message : "Syntax error", "GRAPHQL_PARSE_FAILED");
    }
    const errors = validate(options.schema, document, rules);
    // Suggestions are hidden as on HTTP (graphql-armor's blockFieldSuggestion), so typos cannot map the schema.
    if (errors.length > 0)
      return errors.map(
        (error) =>
          new GraphQLError(error.message.replace(/Did you mean ".+"\?/g, "[Suggestion hidden]").trim(), {
            nodes: error.nodes,
            extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
          }),
      );
    const operation = getOperationAST(document, operationName);
    if (!operation)
      return badRequest(
        operationName ? `Unknown operation named "${operationName}"` : "Name the operation to run (operationName)",
      );
    if (operation.operation !== "subscription")
      return badRequest(`Only subscriptions run over WebSocket; send this ${operation.operation} over HTTP`);
    const fragments = new Map(
      document.definitions
        .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((d) => [d.name.value, d]),
    );
    const rootField = singleRootField(operation.selectionSet, fragments);
    if (!rootField) return badRequest("A subscription selects exactly one field");
    const fieldDefinition = options.schema.getSubscriptionType()?.getFields()[rootField.name.value];
    const live = options.live.fields.get(rootField.name.value);
    if (!fieldDefinition || !live)
      return badRequest(
        `${options.live.refused.get(rootField.name.value) ?? `Subscription.${rootField.name.value} is not declared`}: the gateway cannot serve it`,
        SUBSCRIPTION_NOT_SERVED,
      );
    const idType = options.schema
      .getQueryType()
      ?.getFields()
      [live.queryField]?.args.find((arg) => arg.name === live.idArgument)?.type;
    if (!idType) return badRequest(`Subscription.${rootField.name.value} cannot be served`);
    if (operation.variableDefinitions?.some((definition) => definition.variable.name.value === LIVE_ID_VARIABLE))
      return badRequest(`The variable name $${LIVE_ID_VARIABLE} is reserved`, "BAD_USER_INPUT");

    const responseKey = rootField.alias?.value ?? rootField.name.value;
    const subscriptionType = options.schema.getSubscriptionType()?.name;
    const queryRoot: FieldNode = {
      kind: Kind.FIELD,
      alias: { kind: Kind.NAME, value: responseKey },
      name: { kind: Kind.NAME, value: live.queryField },
      arguments: [
        {
          kind: Kind.ARGUMENT,
          name: { kind: Kind.NAME, value: live.idArgument },
          value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: LIVE_ID_VARIABLE } },
        },
      ],
      directives: rootField.directives,
      selectionSet: rootField.selectionSet,
    };
    // Fragments on the Subscription type only wrapped the root field; the rest keep working as they are.
    const keptFragments = [...fragments.values()].filter(
      (fragment) => fragment.typeCondition.name.value !== subscriptionType,
    );
    const draft: OperationDefinitionNode = {
      kind: Kind.OPERATION_DEFINITION,
      operation: "query" as OperationDefinitionNode["operation"],
      name: operation.name,
      variableDefinitions: [],
      selectionSet: { kind: Kind.SELECTION_SET, selections: [queryRoot] },
    };
    const used = usedVariables([draft, ...keptFragments]);
    const queryOperation: OperationDefinitionNode = {
      ...draft,
      variableDefinitions: [
        ...(operation.variableDefinitions ?? []).filter((definition) => used.has(definition.variable.name.value)),
        {
          kind: Kind.VARIABLE_DEFINITION,
          variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: LIVE_ID_VARIABLE } },
          type: parseType(String(idType)),
        },
      ],
    };
    const definitions = [queryOperation, ...keptFragments];
    return {
      document,
      operation,
      rootField,
      fieldDefinition,
      live,
      responseKey,
      query: print({ kind: Kind.DOCUMENT, definitions }),
      queryVariables: [...used].filter((name) => name !== LIVE_ID_VARIABLE),
      deferred: definitions.some(defers),
    };
  }
}

/** The one field a (validated) subscription selects at its root, through fragments if need be. */
function singleRootField(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
): FieldNode | undefined {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) return selection;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const field = singleRootField(selection.selectionSet, fragments, seen);
      if (field) return field;
      continue;
    }
    if (seen.has(selection.name.value)) continue;
    seen.add(selection.name.value);
    const fragment = fragments.get(selection.name.value);
    const field = fragment && singleRootField(fragment.selectionSet, fragments, seen);
    if (field) return field;
  }
  return undefined;
}

function defers(definition: DefinitionNode): boolean {
  let found = false;
  visit(definition, {
    Directive(node) {
      if (node.name.value !== "defer") return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}

function usedVariables(definitions: readonly DefinitionNode[]): Set<string> {
  const names = new Set<string>();
  for (const definition of definitions) {
    visit(definition, {
      VariableDefinition: () => false, // a definition is not a use
      Variable: (node) => void names.add(node.name.value),
    });
  }
  return names;
}
