import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import { GraphQLError, Kind, type SelectionNode, type ValidationRule } from "graphql";

/** Static limits on an operation, checked during validation, before any subgraph is called. */
export interface QueryLimits {
  /** Deepest field nesting. @default 10 */
  maxDepth: number;
  /** Aliases in one operation. @default 15 */
  maxAliases: number;
  /** Fields at the root of one operation. @default 10 */
  maxRootFields: number;
  /** Directives in one operation. @default 50 */
  maxDirectives: number;
}

/** Limits root fields per operation; fragments at the root count their fields too. */
function maxRootFields(limit: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      let count = 0;
      const seen = new Set<string>(); // each fragment once: cycles are rejected elsewhere, but never loop here
      const visit = (selections: readonly SelectionNode[]) => {
        for (const selection of selections) {
          if (selection.kind === Kind.FIELD) count += selection.name.value === "__typename" ? 0 : 1;
          else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet.selections);
          else if (!seen.has(selection.name.value)) {
            seen.add(selection.name.value);
            const fragment = context.getFragment(selection.name.value);
            if (fragment) visit(fragment.selectionSet.selections);
          }
        }
      };
      visit(operation.selectionSet.selections);
      if (count > limit)
        context.reportError(
          new GraphQLError(`Operation has ${count} root fields; the limit is ${limit}.`, { nodes: [operation] }),
        );
    },
  });
}

/**
 * Depth, aliases and directives limits from graphql-armor (a maintained library for
 * exactly this), plus a root-field limit it lacks; field suggestions ("Did you mean ...") are
 * blocked so the schema cannot be mapped by typos when introspection is off.
 */
export function useQueryLimits(limits: QueryLimits): {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
} {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    // Cost is demand control's (features/demandControl): @cost/@listSize know what a list returns.
    costLimit: { enabled: false },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    // Its token limit runs as a plugin that turns every syntax error into a 500 (AS5); the
    // token limit lives in useRequestShape instead, before Apollo parses anything.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: true },
  });
  const { plugins, validationRules } = armor.protect();
  return { plugins, validationRules: [...validationRules, maxRootFields(limits.maxRootFields)] };
}
