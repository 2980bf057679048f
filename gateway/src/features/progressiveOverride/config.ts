import { defineSection } from "@fedplat/runtime";
import { z } from "zod";

const LABEL = /^[A-Za-z][A-Za-z0-9_\-:.]*$/;
const LABEL_HELP = "labels start with a letter, then letters, digits, _ - : or . (federation's rule for custom labels)";

/** `beta,!legacy` (the environment's form) -> { beta: true, legacy: false }. */
function labelList(value: string): Record<string, boolean> {
  const entries = value
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => (entry.startsWith("!") ? ([entry.slice(1), false] as const) : ([entry, true] as const)));
  return Object.fromEntries(entries);
}

/** Progressive `@override(label:)`: which labels are on (features/progressiveOverride). */
export const progressiveOverrideSection = defineSection({
  path: "gateway.progressiveOverride",
  schema: z.object({
    labels: z
      .union([z.string().transform(labelList), z.record(z.string(), z.boolean())])
      .pipe(
        z.record(z.string(), z.boolean()).superRefine((labels, ctx) => {
          for (const label of Object.keys(labels).filter((key) => !LABEL.test(key)))
            ctx.addIssue({ code: "custom", message: `"${label}": ${LABEL_HELP}` });
        }),
      )
      .default({})
      .describe(
        'Custom override labels switched on or off for every request (file: { beta: true }; env: "beta,!legacy"); unlisted labels are off, percent(n) labels roll per request',
      ),
    header: z
      .string()
      .regex(/^$|^[A-Za-z0-9-]+$/, "must be an HTTP header name")
      .default("")
      .describe(
        'A request header whose labels ("beta,!percent(25)") decide either side for that request, over the rules above; empty: clients cannot choose',
      ),
  }),
  env: { names: { labels: "OVERRIDE_LABELS", header: "OVERRIDE_LABELS_HEADER" } },
});

export interface ProgressiveOverrideConfig {
  /** Custom labels on (true) or off (false) for every request. */
  labels: Readonly<Record<string, boolean>>;
  /** Lower-case header name that forces labels per request; "" for none. */
  header: string;
}
