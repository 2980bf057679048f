import { existsSync, readFileSync } from "node:fs";
import { coverage } from "@graphql-inspector/core";
import {
  GraphQLError,
  type GraphQLSchema,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  Source,
  validate,
} from "graphql";
import { z } from "zod";

/** One published client operation: a document of the persisted-documents manifest. */
export interface ClientOperation {
  /** The operation name(s) of the document; unique within one check. */
  name: string;
  /** The manifest key (the document's hash). */
  id: string;
  document: string;
  /** The manifest it came from. */
  origin: string;
}

/** GraphQL Code Generator's persisted-documents manifest: hash -> document. */
const manifestSchema = z.record(z.string().min(1), z.string().min(1, "empty document"));

export class ClientManifestError extends Error {
  override name = "ClientManifestError";
}

function operationNames(document: string): string | undefined {
  try {
    const names = parse(document).definitions.flatMap((definition) =>
      definition.kind === Kind.OPERATION_DEFINITION ? [definition.name?.value ?? "(anonymous)"] : [],
    );
    return names.length ? names.join(", ") : undefined;
  } catch {
    return undefined; // reported by validateClientOperations
  }
}

/** The operations of the manifests that exist (a missing manifest contributes none). */
export function readClientOperations(manifestPaths: readonly string[]): ClientOperation[] {
  const operations: ClientOperation[] = [];
  const taken = new Set<string>();
  for (const path of manifestPaths) {
    if (!existsSync(path)) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      throw new ClientManifestError(
        `${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const manifest = manifestSchema.safeParse(raw);
    if (!manifest.success) {
      throw new ClientManifestError(
        `${path} is not a persisted-documents manifest (hash -> document): ${manifest.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
      );
    }
    for (const [id, document] of Object.entries(manifest.data)) {
      let name = operationNames(document) ?? id;
      if (taken.has(name)) name = `${name} [${id.slice(0, 16)}]`;
      taken.add(name);
      operations.push({ name, id, document, origin: path });
    }
  }
  return operations;
}

/** A client operation that the schema no longer serves, with graphql-js's validation messages (they name the field). */
export interface BrokenOperation {
  operation: ClientOperation;
  errors: string[];
}

export function validateClientOperations(
  schema: GraphQLSchema,
  operations: readonly ClientOperation[],
): BrokenOperation[] {
  const broken: BrokenOperation[] = [];
  for (const operation of operations) {
    let errors: readonly GraphQLError[];
    try {
      errors = validate(schema, parse(operation.document));
    } catch (error) {
      errors = [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
    }
    if (errors.length) broken.push({ operation, errors: errors.map((error) => error.message) });
  }
  return broken;
}

/**
 * Which operations use each field and argument (`Type.field`, `Type.field.argument`), from
 * graphql-inspector's coverage. Documents that do not validate count only as far as they resolve.
 */
export function usageByCoordinate(
  schema: GraphQLSchema,
  operations: readonly ClientOperation[],
): Map<string, string[]> {
  const usage = new Map<string, string[]>();
  const use = (coordinate: string, operation: string) =>
    usage.set(coordinate, [...(usage.get(coordinate) ?? []), operation]);
  for (const operation of operations) {
    let types: ReturnType<typeof coverage>["types"];
    try {
      // One document at a time: coverage throws on some invalid documents (an unknown argument),
      // and one broken operation must not hide what the others use.
      types = coverage(schema, [new Source(operation.document, operation.name)]).types;
    } catch {
      continue; // unparseable or unresolvable here; validateClientOperations reports it
    }
    for (const [typeName, type] of Object.entries(types)) {
      for (const [fieldName, field] of Object.entries(type.children)) {
        if (field.hits > 0) use(`${typeName}.${fieldName}`, operation.name);
        for (const [argumentName, argument] of Object.entries(field.children ?? {}))
          if (argument.hits > 0) use(`${typeName}.${fieldName}.${argumentName}`, operation.name);
      }
    }
  }
  return usage;
}

export interface DeprecatedUsage {
  coordinate: string;
  reason: string;
  operations: string[];
}

/** Deprecated fields and arguments of `schema` that client operations still use. */
export function deprecatedUsage(
  schema: GraphQLSchema,
  usage: ReadonlyMap<string, readonly string[]>,
): DeprecatedUsage[] {
  const found: DeprecatedUsage[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__") || !(isObjectType(type) || isInterfaceType(type))) continue;
    for (const field of Object.values(type.getFields())) {
      const candidates = [
        { coordinate: `${type.name}.${field.name}`, reason: field.deprecationReason },
        ...field.args.map((argument) => ({
          coordinate: `${type.name}.${field.name}.${argument.name}`,
          reason: argument.deprecationReason,
        })),
      ];
      for (const { coordinate, reason } of candidates) {
        const operations = usage.get(coordinate);
        if (reason != null && operations?.length) found.push({ coordinate, reason, operations: [...operations] });
      }
    }
  }
  return found.sort((a, b) => a.coordinate.localeCompare(b.coordinate));
}
