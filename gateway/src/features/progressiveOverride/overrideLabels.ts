import { Kind, parse, visit } from "graphql";

/** A label of the supergraph and how a request without a forced choice decides it. */
export type OverrideLabel = { label: string; percent: number } | { label: string; percent?: undefined };

const PERCENT = /^percent\((\d{1,3}(?:\.\d+)?)\)$/;

/** Every `@join__field(overrideLabel:)` of the supergraph, once each. */
export function overrideLabelsIn(supergraphSdl: string): OverrideLabel[] {
  if (!supergraphSdl.includes("overrideLabel")) return []; // most supergraphs: no parse
  const labels = new Set<string>();
  visit(parse(supergraphSdl), {
    Directive(node) {
      if (node.name.value !== "join__field") return;
      const arg = node.arguments?.find((argument) => argument.name.value === "overrideLabel");
      if (arg?.value.kind === Kind.STRING) labels.add(arg.value.value);
    },
  });
  return [...labels].map((label) => {
    const percent = PERCENT.exec(label)?.[1];
    return percent === undefined ? { label } : { label, percent: Number(percent) };
  });
}

/** `beta,!percent(25)` -> label -> on/off. */
export function parseForcedLabels(header: string): Map<string, boolean> {
  const forced = new Map<string, boolean>();
  for (const raw of header.split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    if (entry.startsWith("!")) forced.set(entry.slice(1), false);
    else forced.set(entry, true);
  }
  return forced;
}

/**
 * The labels on for one request, in the order that decides: the request's forced labels, then
 * the configured ones, then percent(n) by a roll per label (as Apollo Router and Hive Gateway do),
 * else off (the field stays with the subgraph it is overridden from).
 */
export function overrideConditions(
  labels: readonly OverrideLabel[],
  configured: Readonly<Record<string, boolean>>,
  forced: ReadonlyMap<string, boolean>,
  random: () => number = Math.random,
): Map<string, boolean> {
  const conditions = new Map<string, boolean>();
  for (const { label, percent } of labels) {
    const on = forced.get(label) ?? configured[label] ?? (percent !== undefined ? random() * 100 < percent : false);
    conditions.set(label, on);
  }
  return conditions;
}
