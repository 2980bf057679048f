import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { type Change, ChangeType, CriticalityLevel, diff } from "@graphql-inspector/core";
import { type GraphQLSchema, isInterfaceType, isObjectType } from "graphql";
import { type Acknowledgement, COST_INCREASE, findAcknowledgement, readAcknowledgements } from "./acknowledgements";
import { apiSchemaOf } from "./apiSchema";
import {
  type BrokenOperation,
  type ClientOperation,
  deprecatedUsage,
  type DeprecatedUsage,
  readClientOperations,
  usageByCoordinate,
  validateClientOperations,
} from "./clientOperations";
import { composeSupergraph, readSupergraphConfig } from "./composeSupergraph";
import { readAtGitRef } from "./gitBaseline";
import { compareOperations, type OperationComparison, type OperationShape, operationAnalyzer } from "./operationCosts";

export interface SchemaCheckOptions {
  /** supergraph.yaml: the subgraphs whose current SDL is composed. */
  configPath: string;
  /** The committed supergraph.graphql. */
  baselinePath: string;
  /** Also compare with `baselinePath` as committed on this git ref (e.g. "main"); undefined skips it. */
  gitRef?: string;
  /** schema/acknowledged-changes.yaml. */
  acknowledgementsPath: string;
  /** Persisted-documents manifests (hash -> document) of published clients; missing files are skipped. */
  manifestPaths: readonly string[];
  /** A client operation whose estimated cost grows more than this many times fails the check unless acknowledged. @default 1.5 */
  maxCostRatio?: number;
}

/**
 * What the check concludes about one change:
 * - breaking: fails the check (a breaking change nobody acknowledged, or a removed deprecated field clients still use);
 * - acknowledged: breaking, but named with a reason in the acknowledgements file;
 * - retired: a deprecated field, argument, input field or enum value removed while no client operation uses it;
 * - dangerous / safe: reported only.
 */
export type Verdict = "breaking" | "acknowledged" | "retired" | "dangerous" | "safe";

export interface CheckedChange {
  type: string;
  /** Schema coordinate (`Type.field`, `Type.field.argument`, `Enum.VALUE`); what an acknowledgement names. */
  path: string;
  message: string;
  verdict: Verdict;
  /** Why: the acknowledgement's reason, or the library's explanation of the risk. */
  note?: string;
  /** Client operations that used the coordinate before the change. */
  usedBy: string[];
}

export type Comparison =
  | { label: string; status: "compared"; changes: CheckedChange[]; operations: OperationComparison[] }
  | { label: string; status: "skipped"; reason: string }
  | { label: string; status: "same"; sameAs: string };

export interface SchemaCheckResult {
  subgraphs: string[];
  comparisons: Comparison[];
  operations: { count: number; manifests: string[] };
  broken: BrokenOperation[];
  deprecated: DeprecatedUsage[];
  /** Acknowledgements that match no breaking change any more (safe to delete once merged). */
  unusedAcknowledgements: Acknowledgement[];
  /** One line per reason the check fails; empty when it passes. */
  failures: string[];
}

/** Removing one of these is the last step of the deprecation workflow, allowed once clients stopped using it. */
function removedWhileDeprecated(change: Change, baseline: GraphQLSchema): boolean {
  switch (change.type) {
    case ChangeType.FieldRemoved:
      return change.meta.isRemovedFieldDeprecated === true;
    case ChangeType.FieldArgumentRemoved: {
      // graphql-inspector does not record whether a removed argument was deprecated: look it up.
      const type = baseline.getType(change.meta.typeName);
      const field =
        type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[change.meta.fieldName] : undefined;
      return field?.args.find((arg) => arg.name === change.meta.removedFieldArgumentName)?.deprecationReason != null;
    }
    case ChangeType.EnumValueRemoved:
      return change.meta.isEnumValueDeprecated === true;
    case ChangeType.InputFieldRemoved:
      return change.meta.isInputFieldDeprecated === true;
    default:
      return false;
  }
}

function judge(
  change: Change,
  baseline: GraphQLSchema,
  acknowledgements: readonly Acknowledgement[],
  usage: ReadonlyMap<string, readonly string[]>,
): CheckedChange {
  const path = change.path ?? "(schema)";
  const usedBy = [...(usage.get(path) ?? [])];
  const base = { type: change.type, path, message: change.message, usedBy };
  switch (change.criticality.level) {
    case CriticalityLevel.NonBreaking:
      return { ...base, verdict: "safe" };
    case CriticalityLevel.Dangerous:
      return { ...base, verdict: "dangerous", note: change.criticality.reason };
    case CriticalityLevel.Breaking: {
      if (removedWhileDeprecated(change, baseline)) {
        return usedBy.length
          ? { ...base, verdict: "breaking", note: "deprecated, but client operations still use it" }
          : { ...base, verdict: "retired", note: "deprecated and used by no client operation" };
      }
      const acknowledgement = findAcknowledgement(acknowledgements, change.type, change.path);
      if (acknowledgement) return { ...base, verdict: "acknowledged", note: acknowledgement.reason };
      return { ...base, verdict: "breaking", note: change.criticality.reason };
    }
    default: {
      const unknown: never = change.criticality.level;
      throw new Error(`unknown criticality ${String(unknown)}`);
    }
  }
}

interface Current {
  schema: GraphQLSchema;
  analyze: (document: string) => OperationShape | undefined;
  maxCostRatio: number;
}

async function compare(
  label: string,
  baselineSdl: string,
  current: Current,
  acknowledgements: readonly Acknowledgement[],
  operations: readonly ClientOperation[],
): Promise<Comparison> {
  const baseline = apiSchemaOf(baselineSdl);
  // Usage is measured on the baseline: a removed field exists only there.
  const usage = usageByCoordinate(baseline, operations);
  const changes = (await diff(baseline, current.schema)).map((change) =>
    judge(change, baseline, acknowledgements, usage),
  );
  const costs = compareOperations(
    operationAnalyzer(baselineSdl),
    current.analyze,
    operations,
    current.maxCostRatio,
    acknowledgements,
  );
  return { label, status: "compared", changes, operations: costs };
}

/**
 * Composes the supergraph from the subgraphs' current SDL and checks it against the committed
 * supergraph, main's supergraph and the published client operations. Throws CompositionError,
 * AcknowledgementFileError or ClientManifestError when an input itself is invalid.
 */
export async function runSchemaCheck(options: SchemaCheckOptions): Promise<SchemaCheckResult> {
  const subgraphs = Object.keys(readSupergraphConfig(options.configPath).subgraphs);
  const { supergraphSdl } = composeSupergraph(options.configPath);
  const schema = apiSchemaOf(supergraphSdl);
  const maxCostRatio = options.maxCostRatio ?? 1.5;
  const current: Current = { schema, analyze: operationAnalyzer(supergraphSdl), maxCostRatio };
  const acknowledgements = readAcknowledgements(options.acknowledgementsPath);
  const operations = readClientOperations(options.manifestPaths);

  const comparisons: Comparison[] = [];
  const committedLabel = `committed ${relative(process.cwd(), options.baselinePath)}`;
  const committed = existsSync(options.baselinePath) ? readFileSync(options.baselinePath, "utf8") : undefined;
  comparisons.push(
    committed === undefined
      ? { label: committedLabel, status: "skipped", reason: "the file does not exist" }
      : await compare(committedLabel, committed, current, acknowledgements, operations),
  );
  if (options.gitRef) {
    const atRef = readAtGitRef(options.baselinePath, options.gitRef);
    if (atRef.kind === "skipped") comparisons.push({ label: options.gitRef, status: "skipped", reason: atRef.reason });
    else {
      const label = atRef.behind
        ? `${atRef.ref} where this branch forked from it (${atRef.commit.slice(0, 10)}; merge ${atRef.ref} to compare with its last commit)`
        : `${atRef.ref} (${atRef.commit.slice(0, 10)})`;
      comparisons.push(
        atRef.sdl === committed
          ? { label, status: "same", sameAs: committedLabel }
          : await compare(label, atRef.sdl, current, acknowledgements, operations),
      );
    }
  }

  const broken = validateClientOperations(schema, operations);
  const deprecated = deprecatedUsage(schema, usageByCoordinate(schema, operations));
  const compared = comparisons.flatMap((comparison) => (comparison.status === "compared" ? [comparison] : []));
  const checked = compared.flatMap((comparison) => comparison.changes);
  const priced = compared.flatMap((comparison) => comparison.operations);
  const unusedAcknowledgements = acknowledgements.filter(
    (entry) =>
      !checked.some(
        (change) => change.verdict === "acknowledged" && findAcknowledgement([entry], change.type, change.path),
      ) &&
      !priced.some(
        (operation) =>
          operation.verdict === "acknowledged" && findAcknowledgement([entry], COST_INCREASE, operation.name),
      ),
  );

  const failures = new Set<string>();
  for (const change of checked.filter((c) => c.verdict === "breaking")) {
    const why = change.usedBy.length
      ? `breaking change ${change.type} at ${change.path}, used by client operations ${change.usedBy.join(", ")}`
      : `unacknowledged breaking change ${change.type} at ${change.path}`;
    failures.add(`${why}: ${change.message}`);
  }
  for (const { name, id, before, after, verdict } of priced)
    if (verdict === "costlier" && before && after)
      failures.add(
        `client operation "${name}" (${id}) is estimated to cost ${after.cost}, ${before.cost} before: more than ${maxCostRatio} times (acknowledge ${COST_INCREASE} for ${name} if intended)`,
      );
  for (const { operation, errors } of broken)
    for (const error of errors) failures.add(`client operation "${operation.name}" (${operation.id}) breaks: ${error}`);

  return {
    subgraphs,
    comparisons,
    operations: {
      count: operations.length,
      manifests: [...new Set(operations.map((operation) => relative(process.cwd(), operation.origin)))],
    },
    broken,
    deprecated,
    unusedAcknowledgements,
    failures: [...failures],
  };
}
