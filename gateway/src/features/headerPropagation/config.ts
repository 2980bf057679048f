import { defineSection, envVars } from "@fedplat/runtime";
import { z } from "zod";
import { type HeaderRule, parseHeaderRule, ruleProblem } from "./headerRules";

/** One rule: `name[:rename][=default]`, or its YAML form `{ name, rename, default }`. */
const rule = z
  .union([
    z.string(),
    z
      .object({ name: z.string().min(1), rename: z.string().min(1).optional(), default: z.string().optional() })
      .strict(),
  ])
  .transform((value, context): HeaderRule => {
    if (typeof value !== "string")
      return {
        ...value,
        name: value.name.toLowerCase(),
        ...(value.rename ? { rename: value.rename.toLowerCase() } : {}),
      };
    try {
      return parseHeaderRule(value);
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  });

/** A comma-separated list of rules (the environment's form) or a YAML list. */
const rules = z
  .union([
    z.string().transform((text) =>
      text
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean),
    ),
    z.array(z.unknown()),
  ])
  .pipe(z.array(rule));

/** Client headers copied to subgraph calls (features/headerPropagation). */
export const headerPropagationSection = defineSection({
  path: "gateway.headerPropagation",
  schema: z
    .object({
      all: rules
        .default([])
        .describe(
          "Headers every subgraph receives from the client request: name, name:rename, name=default (e.g. accept-language,x-tenant:x-tenant-id)",
        ),
      subgraphs: z
        .record(z.string(), rules)
        .default({})
        .describe("Per subgraph (ORDERS: x-debug): rules of its own, on top of `all` (the same target: its own wins)"),
      allowCredentialHeaders: envVars
        .flag(false)
        .describe("Allow rules to forward authorization, cookie, proxy-authorization or x-api-key"),
    })
    .superRefine((config, context) => {
      const check = (list: HeaderRule[], path: (string | number)[]) =>
        list.forEach((headerRule, index) => {
          const problem = ruleProblem(headerRule, config.allowCredentialHeaders);
          if (problem) context.addIssue({ code: "custom", path: [...path, index], message: problem });
        });
      check(config.all, ["all"]);
      for (const [key, list] of Object.entries(config.subgraphs)) check(list, ["subgraphs", key]);
    }),
  env: { names: { all: "PROPAGATE_HEADERS", allowCredentialHeaders: "PROPAGATE_CREDENTIAL_HEADERS" } },
  envMaps: [{ option: "subgraphs", pattern: /^SUBGRAPH_([A-Z0-9_]+)_PROPAGATE_HEADERS$/ }],
});
