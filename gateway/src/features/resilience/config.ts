import { defineSection } from "@fedplat/runtime";
import { z } from "zod";
import { defaultResilience } from "./subgraphBreakers";

const ms = (max: number) => z.coerce.number().int().min(0).max(max);

/** Circuit breakers per subgraph and retries of subgraph queries (index.ts, retryBudget.ts, retryDelay.ts). */
export const resilienceSection = defineSection({
  path: "gateway.resilience",
  schema: z.object({
    queryRetries: z.coerce
      .number()
      .int()
      .min(0)
      .max(5)
      .default(defaultResilience.queryRetries)
      .describe(
        "Retries of a subgraph query after a connection failure or a 502/503/504/429 answer (mutations are never retried)",
      ),
    retryBaseDelayMs: ms(10_000)
      .default(defaultResilience.retryBaseDelayMs)
      .describe("Backoff of the first retry (at most; full jitter), doubled for each further retry"),
    retryMaxDelayMs: ms(60_000).default(defaultResilience.retryMaxDelayMs).describe("Longest backoff of any retry"),
    retryAfterMaxMs: ms(60_000)
      .default(defaultResilience.retryAfterMaxMs)
      .describe(
        "Longest Retry-After a subgraph's 429/503 may ask for; longer, the answer is passed on without a retry",
      ),
    retryBudgetPercent: z.coerce
      .number()
      .min(0)
      .max(100)
      .default(defaultResilience.retryBudgetPercent)
      .describe("Retries a subgraph may receive, as a percentage of its fetches in the budget window"),
    retryBudgetMinRetries: z.coerce
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(defaultResilience.retryBudgetMinRetries)
      .describe("Retries per budget window allowed whatever the traffic, so a quiet subgraph is still retried"),
    retryBudgetWindowMs: z.coerce
      .number()
      .int()
      .min(1_000)
      .max(3_600_000)
      .default(defaultResilience.retryBudgetWindowMs)
      .describe("The sliding window of the retry budget"),
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
  env: {
    prefix: "CIRCUIT_",
    names: {
      queryRetries: "SUBGRAPH_QUERY_RETRIES",
      retryBaseDelayMs: "SUBGRAPH_RETRY_BASE_DELAY_MS",
      retryMaxDelayMs: "SUBGRAPH_RETRY_MAX_DELAY_MS",
      retryAfterMaxMs: "SUBGRAPH_RETRY_AFTER_MAX_MS",
      retryBudgetPercent: "SUBGRAPH_RETRY_BUDGET_PERCENT",
      retryBudgetMinRetries: "SUBGRAPH_RETRY_BUDGET_MIN_RETRIES",
      retryBudgetWindowMs: "SUBGRAPH_RETRY_BUDGET_WINDOW_MS",
    },
  },
});
