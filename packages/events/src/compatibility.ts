import { z } from "zod";

/** Why a consumer could not read what a producer writes, at a path in the event data. */
export interface Incompatibility {
  path: string;
  problem: string;
}

export type JsonSchema = { [keyword: string]: unknown };

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const show = (value: unknown) => JSON.stringify(value);

/** Keywords this comparison understands; a schema using any other must be identical on both sides. */
const KNOWN = new Set([
  "$schema",
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "minItems",
  "maxItems",
  "enum",
  "const",
  "format",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "anyOf",
  "description",
]);

function bounds(reader: JsonSchema, writer: JsonSchema, path: string): Incompatibility[] {
  const problems: Incompatibility[] = [];
  for (const keyword of ["minimum", "exclusiveMinimum", "minItems", "minLength"]) {
    const need = reader[keyword];
    if (typeof need === "number" && !(typeof writer[keyword] === "number" && (writer[keyword] as number) >= need))
      problems.push({
        path,
        problem: `the consumer requires ${keyword} ${need}, the producer guarantees ${typeof writer[keyword] === "number" ? writer[keyword] : "none"}`,
      });
  }
  for (const keyword of ["maximum", "exclusiveMaximum", "maxItems", "maxLength"]) {
    const need = reader[keyword];
    if (typeof need === "number" && !(typeof writer[keyword] === "number" && (writer[keyword] as number) <= need))
      problems.push({
        path,
        problem: `the consumer requires ${keyword} ${need}, the producer guarantees ${typeof writer[keyword] === "number" ? writer[keyword] : "none"}`,
      });
  }
  for (const keyword of ["format", "pattern"]) {
    if (reader[keyword] !== undefined && reader[keyword] !== writer[keyword])
      problems.push({
        path,
        problem: `the consumer requires ${keyword} ${show(reader[keyword])}, the producer ${writer[keyword] === undefined ? "does not" : `uses ${show(writer[keyword])}`}`,
      });
  }
  return problems;
}

function compare(reader: JsonSchema, writer: JsonSchema, path: string): Incompatibility[] {
  const readerKeywords = Object.keys(reader).filter((k) => k !== "$schema" && k !== "description");
  if (readerKeywords.length === 0) return []; // the consumer accepts anything here
  const unknown = [...readerKeywords, ...Object.keys(writer)].filter((k) => !KNOWN.has(k));
  if (unknown.length)
    return show({ ...reader, $schema: undefined }) === show({ ...writer, $schema: undefined })
      ? []
      : [{ path, problem: `schemas differ in ${unknown.join(", ")}, which this check cannot compare` }];

  if (Array.isArray(writer.anyOf))
    return writer.anyOf
      .filter(isSchema)
      .flatMap((branch) => compare(reader, { ...writer, anyOf: undefined, ...branch }, path));
  if (Array.isArray(reader.anyOf)) {
    const branches = reader.anyOf.filter(isSchema);
    const results = branches.map((branch) => compare(branch, writer, path));
    return results.some((problems) => problems.length === 0)
      ? []
      : [
          {
            path,
            problem: `the producer writes ${show(writer.type ?? writer.enum ?? "a value")} that no alternative of the consumer's schema accepts`,
          },
        ];
  }

  if (reader.const !== undefined && reader.const !== writer.const)
    return [{ path, problem: `the consumer requires the value ${show(reader.const)}` }];
  if (Array.isArray(reader.enum)) {
    const written = Array.isArray(writer.enum) ? writer.enum : writer.const !== undefined ? [writer.const] : undefined;
    if (!written)
      return [
        {
          path,
          problem: `the consumer accepts only ${reader.enum.map(show).join(", ")}, the producer any ${show(writer.type)}`,
        },
      ];
    const unread = written.filter((value) => !(reader.enum as unknown[]).includes(value));
    if (unread.length) return [{ path, problem: `the consumer does not know ${unread.map(show).join(", ")}` }];
  }
  const sameType = reader.type === writer.type || (reader.type === "number" && writer.type === "integer");
  if (reader.type !== undefined && !sameType)
    return [
      { path, problem: `the producer writes ${show(writer.type)} where the consumer reads ${show(reader.type)}` },
    ];

  const problems = bounds(reader, writer, path);
  if (reader.type === "object") {
    const readerProps = isSchema(reader.properties) ? reader.properties : {};
    const writerProps = isSchema(writer.properties) ? writer.properties : {};
    const readerRequired = new Set(Array.isArray(reader.required) ? (reader.required as string[]) : []);
    const writerRequired = new Set(Array.isArray(writer.required) ? (writer.required as string[]) : []);
    for (const [key, readerProp] of Object.entries(readerProps)) {
      const at = `${path}.${key}`;
      const writerProp = writerProps[key];
      if (writerProp === undefined) {
        if (readerRequired.has(key))
          problems.push({ path: at, problem: "the consumer requires it, the producer does not write it" });
        continue;
      }
      if (readerRequired.has(key) && !writerRequired.has(key))
        problems.push({ path: at, problem: "the consumer requires it, the producer may leave it out" });
      if (isSchema(readerProp) && isSchema(writerProp)) problems.push(...compare(readerProp, writerProp, at));
    }
    if (reader.additionalProperties === false) {
      for (const key of Object.keys(writerProps).filter((k) => !(k in readerProps)))
        problems.push({
          path: `${path}.${key}`,
          problem: "the consumer's schema is strict and rejects this new field",
        });
    }
  }
  if (reader.type === "array" && isSchema(reader.items))
    problems.push(...compare(reader.items, isSchema(writer.items) ? writer.items : {}, `${path}[]`));
  return problems;
}

/**
 * What would stop a consumer that validates with `reader` from accepting every event data that
 * `writer` (the producer's schema) allows: empty means compatible. New fields the consumer does
 * not know are fine (zod objects strip them) unless its schema is strict; a field it requires
 * that the producer drops or makes optional, a changed type, a new enum value or a tighter
 * constraint is not.
 *
 * Hand-written over zod's own JSON Schema output because no maintained npm library decides
 * JSON Schema (draft 2020-12) inclusion; it understands the keywords our event schemas use
 * and treats any other keyword as incompatible unless both sides are identical.
 */
export function readerProblems(reader: z.ZodType, writer: z.ZodType): Incompatibility[] {
  return jsonSchemaReaderProblems(toJsonSchema(reader), toJsonSchema(writer));
}

/** readerProblems on JSON Schemas (e.g. a committed snapshot of an earlier version). */
export function jsonSchemaReaderProblems(reader: JsonSchema, writer: JsonSchema): Incompatibility[] {
  return compare(reader, writer, "data");
}

/** The JSON Schema of the data a zod schema accepts (what the snapshot records). */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
}
