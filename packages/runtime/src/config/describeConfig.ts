import type { z } from "zod";
import { redactUrl } from "./envVars";
import { type ConfigSection, envNameOf, isSecret } from "./section";

/** One option as docs/configuration.md, .env.example and `npm run config` show it. */
export interface OptionDescription {
  /** "gateway.limits.maxDepth" */
  path: string;
  env?: string;
  /** The default as JSON, "unset" for an optional option without one, or "required". */
  defaultValue: string;
  description: string;
  secret: boolean;
}

export function describeSection(section: ConfigSection): OptionDescription[] {
  const shape = section.schema.shape as Record<string, z.ZodType>;
  return Object.entries(shape).map(([key, schema]) => {
    const fallback = schema.safeParse(undefined);
    const defaultValue = !fallback.success
      ? "required"
      : fallback.data === undefined
        ? "unset"
        : JSON.stringify(fallback.data);
    const mapped = section.envMaps?.find((map) => map.option === key);
    return {
      path: `${section.path}.${key}`,
      env: envNameOf(section, key) ?? mapped?.pattern.source.replace(/^\^|\$$/g, "").replace("([A-Z0-9_]+)", "<NAME>"),
      defaultValue,
      description: schema.description ?? "",
      secret: isSecret(section, key),
    };
  });
}

/** A copy of a loaded section's values with its secrets masked (URLs keep all but their password), for printing. */
export function maskSecrets(section: ConfigSection, values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, isSecret(section, key) ? masked(value) : value]),
  );
}

function masked(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (typeof value === "string") return /^[a-z]+:\/\//.test(value) ? redactUrl(value) : "***";
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, masked(inner)]));
  return "***";
}
