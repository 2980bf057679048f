import { existsSync, readFileSync } from "node:fs";
import { ChangeType } from "@graphql-inspector/core";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/** A schema coordinate as the report prints it: `Type`, `Type.field` or `Type.field.argument`. */
const coordinate = z
  .string()
  .regex(
    /^[_A-Za-z][_0-9A-Za-z]*(\.@?[_A-Za-z][_0-9A-Za-z]*){0,3}$/,
    "must be a coordinate such as Product.legacyCode or Query.products.first",
  );
/** The change type that accepts a client operation's estimated cost growing past the ratio (operationCosts.ts). */
export const COST_INCREASE = "OPERATION_COST_INCREASED";
const changeTypes: [string, ...string[]] = [COST_INCREASE, ...Object.values(ChangeType)];

const acknowledgementSchema = z.strictObject({
  /** A schema coordinate, or a client operation's name for OPERATION_COST_INCREASED. */
  coordinate,
  /** The change type the report prints (FIELD_REMOVED, ...); when omitted, any breaking change at the coordinate. */
  change: z.enum(changeTypes, { error: "must be a change type the report prints, such as FIELD_REMOVED" }).optional(),
  reason: z.string().trim().min(10, "must say why the break is acceptable (10+ characters)"),
});

const fileSchema = z.strictObject({ acknowledged: z.array(acknowledgementSchema).nullable().default([]) });

export type Acknowledgement = z.infer<typeof acknowledgementSchema>;

export class AcknowledgementFileError extends Error {
  override name = "AcknowledgementFileError";
}

/** Reads and validates the committed acknowledgements; a missing file acknowledges nothing. */
export function readAcknowledgements(path: string): Acknowledgement[] {
  if (!existsSync(path)) return [];
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, "utf8")) ?? {};
  } catch (error) {
    throw new AcknowledgementFileError(
      `${path} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".") || "(file)"}: ${issue.message}`);
    throw new AcknowledgementFileError(`${path} is invalid:\n${problems.join("\n")}`);
  }
  const entries = parsed.data.acknowledged ?? [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const key = `${entry.change ?? "*"} ${entry.coordinate}`;
    if (seen.has(key))
      throw new AcknowledgementFileError(`${path} is invalid:\n  ${entry.coordinate}: acknowledged twice`);
    seen.add(key);
  }
  return entries;
}

/** The acknowledgement covering a change at `path` of type `type`, if any. */
export function findAcknowledgement(
  acknowledgements: readonly Acknowledgement[],
  type: string,
  path: string | undefined,
): Acknowledgement | undefined {
  if (!path) return undefined;
  return acknowledgements.find(
    (entry) => entry.coordinate === path && (entry.change === undefined || entry.change === type),
  );
}
