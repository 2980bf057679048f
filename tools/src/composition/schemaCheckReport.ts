import type { OperationComparison, OperationShape, OperationVerdict } from "./operationCosts";
import type { CheckedChange, SchemaCheckResult, Verdict } from "./schemaCheck";

const LABELS: Record<Verdict, string> = {
  breaking: "BREAKING    ",
  acknowledged: "ACKNOWLEDGED",
  retired: "RETIRED     ",
  dangerous: "DANGEROUS   ",
  safe: "SAFE        ",
};
const ORDER: Verdict[] = ["breaking", "acknowledged", "retired", "dangerous", "safe"];

const OPERATION_LABELS: Record<OperationVerdict, string> = {
  costlier: "COSTLIER    ",
  acknowledged: "ACKNOWLEDGED",
  changed: "CHANGED     ",
  unchanged: "same        ",
  new: "NEW         ",
  broken: "BROKEN      ",
};
const OPERATION_ORDER: OperationVerdict[] = ["costlier", "acknowledged", "changed", "new", "broken", "unchanged"];

/** `before -> after` of one measure, or the one value when it did not change. */
function measure(label: string, before: number | undefined, after: number | undefined): string {
  if (before === undefined || after === undefined) return `${label} ${before ?? after ?? "-"}`;
  if (before === after) return `${label} ${after}`;
  const ratio = before > 0 ? ` (x${(after / before).toFixed(2)})` : "";
  return `${label} ${before} -> ${after}${label === "cost" ? ratio : ""}`;
}

/** One line per client operation: estimated cost, subgraph fetches and sequential depth of its plan, before and after. */
function operationLines(operations: readonly OperationComparison[]): string[] {
  if (operations.length === 0) return [];
  const width = Math.max(...operations.map((operation) => operation.name.length));
  const lines = ["  Client operations (estimated cost, subgraph fetches, fetches in sequence):"];
  for (const verdict of OPERATION_ORDER)
    for (const { name, before, after, note } of operations.filter((operation) => operation.verdict === verdict)) {
      const pick = (key: keyof OperationShape) => [before?.[key], after?.[key]] as const;
      lines.push(
        `  ${OPERATION_LABELS[verdict]} ${name.padEnd(width)}  ${[
          measure("cost", ...pick("cost")),
          measure("fetches", ...pick("fetches")),
          measure("depth", ...pick("depth")),
        ].join(", ")}`,
      );
      if (note) lines.push(`               reason: ${note}`);
    }
  return lines;
}

function changeLines(change: CheckedChange): string[] {
  const lines = [`  ${LABELS[change.verdict]} ${change.type} ${change.path}: ${change.message}`];
  if (change.note) lines.push(`               ${change.verdict === "acknowledged" ? "reason: " : ""}${change.note}`);
  if (change.usedBy.length && change.verdict !== "safe")
    lines.push(`               used by client operations: ${change.usedBy.join(", ")}`);
  return lines;
}

/** The human-readable report `npm run schema:check` prints. */
export function formatSchemaCheckReport(result: SchemaCheckResult): string {
  const out: string[] = [
    `Schema check: composed ${result.subgraphs.length} subgraphs (${result.subgraphs.join(", ")})`,
    "",
  ];
  for (const comparison of result.comparisons) {
    switch (comparison.status) {
      case "skipped":
        out.push(`Against ${comparison.label}: skipped (${comparison.reason})`);
        break;
      case "same":
        out.push(`Against ${comparison.label}: same supergraph as ${comparison.sameAs}, see above`);
        break;
      case "compared": {
        const { changes } = comparison;
        const counts = ORDER.map(
          (verdict) => [verdict, changes.filter((change) => change.verdict === verdict).length] as const,
        ).filter(([, n]) => n > 0);
        out.push(
          `Against ${comparison.label}: ${changes.length ? `${changes.length} change(s): ${counts.map(([verdict, n]) => `${n} ${verdict}`).join(", ")}` : "no changes"}`,
        );
        for (const verdict of ORDER)
          for (const change of changes.filter((c) => c.verdict === verdict)) out.push(...changeLines(change));
        out.push(...operationLines(comparison.operations));
        break;
      }
      default: {
        const unknown: never = comparison;
        throw new Error(`unknown comparison ${JSON.stringify(unknown)}`);
      }
    }
    out.push("");
  }

  if (result.operations.count === 0) out.push("Client operations: none found (no persisted-documents manifest yet)");
  else {
    out.push(
      `Client operations: ${result.operations.count} from ${result.operations.manifests.join(", ")}: ${result.broken.length ? `${result.broken.length} broken` : "all valid"}`,
    );
    for (const { operation, errors } of result.broken) {
      out.push(`  BROKEN       "${operation.name}" (${operation.id})`);
      for (const error of errors) out.push(`               ${error}`);
    }
  }
  out.push("");
  if (result.deprecated.length) {
    out.push("Deprecated fields still used by client operations (remove them only once unused):");
    for (const usage of result.deprecated)
      out.push(`  ${usage.coordinate} (${usage.reason}): ${usage.operations.join(", ")}`);
  } else out.push("Deprecated fields still used by client operations: none");
  if (result.unusedAcknowledgements.length) {
    out.push("", "Acknowledgements that match no change any more (delete them once main has the change):");
    for (const entry of result.unusedAcknowledgements)
      out.push(`  ${entry.change ?? "any breaking change"} ${entry.coordinate}`);
  }
  out.push("");
  if (result.failures.length) {
    out.push(`FAILED: ${result.failures.length} problem(s)`);
    for (const failure of result.failures) out.push(`  - ${failure}`);
    out.push(
      "Fix the subgraph SDL, or acknowledge an intended break in schema/acknowledged-changes.yaml (coordinate, change, reason); see docs/schema-evolution.md.",
    );
  } else out.push("PASSED");
  return out.join("\n");
}
