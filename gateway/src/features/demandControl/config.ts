import { defineSection } from "@fedplat/runtime";
import { z } from "zod";

/** What demand control does with an operation over `maxCost`: refuse it, or only measure it. */
export type DemandControlMode = "measure" | "enforce";

/** Demand control: operations' estimated cost (`@cost`/`@listSize` in the subgraphs' SDL) against a limit. */
export interface DemandControlOptions {
  /** enforce: refuse an operation over maxCost before any subgraph is called; measure: only record its cost. @default "enforce" */
  mode: DemandControlMode;
  /** Highest estimated cost of one operation. @default 5_000 */
  maxCost: number;
  /** Items assumed for a list field whose `@listSize` gives no size. @default 10 */
  defaultListSize: number;
}

export const defaultDemandControl: DemandControlOptions = { mode: "enforce", maxCost: 5_000, defaultListSize: 10 };

export const demandControlSection = defineSection({
  path: "gateway.demandControl",
  schema: z.object({
    mode: z
      .enum(["measure", "enforce"])
      .default(defaultDemandControl.mode)
      .describe(
        "enforce: refuse operations whose estimated cost is over maxCost (COST_ESTIMATED_TOO_EXPENSIVE); measure: only record costs (roll-out)",
      ),
    maxCost: z.coerce
      .number()
      .int()
      .min(1)
      .max(1_000_000_000)
      .default(defaultDemandControl.maxCost)
      .describe("Highest estimated cost of one operation (@cost/@listSize weights; docs/demand-control.md)"),
    defaultListSize: z.coerce
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(defaultDemandControl.defaultListSize)
      .describe("Items assumed for a list field whose @listSize gives no size"),
  }),
  env: { prefix: "DEMAND_CONTROL_" },
});
