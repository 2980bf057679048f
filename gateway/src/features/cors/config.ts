import { defineSection, envVars } from "@fedplat/runtime";
import { z } from "zod";
import { originCheck } from "./corsOrigins";

/** A comma-separated list (the environment's form) or a YAML list, as trimmed non-empty strings. */
const list = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : value.split(",")).map((item) => item.trim()).filter(Boolean));

/** Which browser origins may call /graphql (features/cors). */
export const corsSection = defineSection({
  path: "gateway.cors",
  schema: z
    .object({
      origins: list
        .optional()
        .describe(
          'Allowed origins: exact ("https://shop.example.com"), a wildcard ("https://*.example.com"), a /regular expression/, or "*"; unset: any in development, none in production',
        ),
      credentials: envVars
        .flag(false)
        .describe("Let browsers send cookies and HTTP authentication (never with origins *)"),
      methods: list.default(["GET", "POST"]).describe("Methods a cross-origin request may use"),
      allowedHeaders: list
        .optional()
        .describe("Request headers a cross-origin request may send; unset: those the preflight asks for"),
      maxAgeSeconds: z.coerce
        .number()
        .int()
        .min(0)
        .max(86_400)
        .default(600)
        .describe("How long a browser may reuse a preflight answer"),
    })
    .superRefine((cors, context) => {
      try {
        originCheck((cors.origins ?? []).filter((origin) => origin !== "*"));
      } catch (error) {
        context.addIssue({ code: "custom", path: ["origins"], message: (error as Error).message });
      }
      if (cors.credentials && cors.origins?.includes("*"))
        context.addIssue({
          code: "custom",
          path: ["credentials"],
          message: 'not with origins "*": any site could act as the signed-in user',
        });
    }),
  env: { prefix: "CORS_" },
});
