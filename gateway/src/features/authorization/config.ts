import { defineSection } from "@fedplat/runtime";
import { z } from "zod";

/** `@policy` deciders beyond the built-in `role:<ROLE>` ones (policies.ts; docs/authorization.md). */
export const authorizationSection = defineSection({
  path: "gateway.authorization",
  schema: z.object({
    policies: z
      .string()
      .min(1)
      .optional()
      .describe(
        "A module exporting createPolicies(context) -> { name: decider } for @policy names; role:<ROLE> policies are built in",
      ),
  }),
  env: { names: { policies: "AUTHORIZATION_POLICIES" } },
});
