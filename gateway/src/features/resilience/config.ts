import { defineSection } from "@fedplat/runtime";
import { z } from "zod";
import { defaultResilience } from "./subgraphBreakers";

/** Circuit breakers per subgraph and retries of idempotent subgraph queries (subgraphBreakers.ts). */
export const resilienceSection = defineSection({
  path: "gateway.resilience",
  schema: z.object({
    queryRetries: z.coerce
      .number()
      .int()
      .min(0)
      .max(5)
      .default(defaultResilience.queryRetries)
      .describe("Retries of a subgraph query after a connection failure (mutations are never retried)"),
    errorThresholdPercent: z.coerce
      .number()
      .min(1)
      .max(100)
      .default(defaultResilience.errorThresholdPercent)
      .describe("Failed share of a subgraph's calls in the window that opens its circuit"),
    windowMs: z.coerce
      .number()
      .int()
      .min(1_000)
      .max(3_600_000)
      .default(defaultResilience.windowMs)
      .describe("The window the error share is measured over"),
    resetMs: z.coerce
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(defaultResilience.resetMs)
      .describe("How long an open circuit refuses calls before one trial call"),
    minRequests: z.coerce
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(defaultResilience.minRequests)
      .describe("Calls in the window before the circuit may open"),
  }),
  env: { prefix: "CIRCUIT_", names: { queryRetries: "SUBGRAPH_QUERY_RETRIES" } },
});
