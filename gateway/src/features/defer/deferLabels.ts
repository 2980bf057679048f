import { GraphQLError, Kind, type ValidationRule } from "graphql";

/**
 * Each `@defer(label:)` is a literal string used once in the document (graphql-js 17's
 * DeferStreamDirectiveLabelRule, absent from graphql 16): a label names one part of the response,
 * and the gateway matches the planner's deferred blocks to fragments by it.
 */
export const deferLabelsRule: ValidationRule = (context) => {
  const seen = new Set<string>();
  return {
    Directive(node) {
      if (node.name.value !== "defer") return;
      const label = node.arguments?.find((argument) => argument.name.value === "label");
      if (!label) return;
      if (label.value.kind !== Kind.STRING) {
        context.reportError(new GraphQLError("@defer's label must be a static string.", { nodes: [label] }));
        return;
      }
      if (seen.has(label.value.value)) {
        context.reportError(
          new GraphQLError(`@defer's label "${label.value.value}" is used more than once.`, { nodes: [label] }),
        );
        return;
      }
      seen.add(label.value.value);
    },
  };
};
