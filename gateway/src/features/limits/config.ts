import { defineSection } from "@fedplat/runtime";
import { z } from "zod";
import { defaultLimits } from "../../limits";

const count = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);
const { query, request } = defaultLimits;

/** Limits on the shape of each operation, checked before planning (useQueryLimits, useRequestShape). */
export const limitsSection = defineSection({
  path: "gateway.limits",
  schema: z.object({
    maxDepth: count(query.maxDepth).describe("Deepest selection nesting of an operation"),
    maxAliases: count(query.maxAliases).describe("Most aliases in one operation"),
    maxRootFields: count(query.maxRootFields).describe("Most root fields in one operation"),
    maxDirectives: count(query.maxDirectives).describe("Most directives in one operation"),
    maxTokens: count(request.maxTokens).describe("Most lexer tokens in a document, counted before parsing"),
    maxExpandedFields: count(request.maxExpandedFields).describe("Most fields once fragments are expanded"),
    maxBatch: count(request.maxBatch).describe("Most operations in one batched HTTP request"),
    maxVariablesBytes: count(request.maxVariablesBytes).describe("Largest variables object, in bytes of JSON"),
    bodyLimit: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i, "must look like 100kb or 1mb")
      .default(defaultLimits.bodyLimit)
      .describe("Largest request body express accepts"),
  }),
  env: { prefix: "GRAPHQL_", names: { bodyLimit: "BODY_LIMIT" } },
});
