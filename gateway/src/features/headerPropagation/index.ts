import type { GatewayFeature } from "../../feature";
import type { HeaderRule } from "./headerRules";

export { headerPropagationSection } from "./config";

/** Client headers copied to subgraph calls. */
export interface HeaderPropagation {
  /** Rules for every subgraph. */
  all: readonly HeaderRule[];
  /** Override key (ORDERS) -> that subgraph's own rules, on top of `all`. */
  subgraphs: Readonly<Record<string, readonly HeaderRule[]>>;
}

/**
 * Copies allowlisted client headers onto each subgraph call, renamed and defaulted by rule. Only
 * listed headers pass: the client's Authorization and cookies never reach a subgraph unless a
 * rule names them (and the configuration allows credential headers), and no rule can set a
 * header the gateway sets (the signed identity, the request id). Without a client HTTP request
 * (subscription events run in-process) only defaults are sent.
 */
export function createHeaderPropagationFeature(rulesOf: (subgraph: string) => readonly HeaderRule[]): GatewayFeature {
  return {
    name: "headerPropagation",
    wrapSubgraphFetch: (next) => (request) => {
      const rules = rulesOf(request.subgraph);
      if (rules.length === 0) return next(request);
      const propagated: Record<string, string> = {};
      for (const rule of rules) {
        const value = request.clientHeaders?.get(rule.name) ?? rule.default;
        if (value !== undefined) propagated[rule.rename ?? rule.name] = value;
      }
      return next({ ...request, init: { ...request.init, headers: { ...propagated, ...request.init.headers } } });
    },
  };
}

/** Every client header some rule reads, for any subgraph: what may change a subgraph's answer. */
export function propagatedClientHeaders(propagation: HeaderPropagation | undefined): string[] {
  const rules = [...(propagation?.all ?? []), ...Object.values(propagation?.subgraphs ?? {}).flat()];
  return [...new Set(rules.map((rule) => rule.name))];
}

/** A subgraph's rules: `all`, then its own; a later rule for the same target replaces an earlier one. */
export function mergeHeaderRules(...lists: ReadonlyArray<readonly HeaderRule[] | undefined>): HeaderRule[] {
  const byTarget = new Map<string, HeaderRule>();
  for (const rule of lists.flatMap((list) => list ?? [])) byTarget.set(rule.rename ?? rule.name, rule);
  return [...byTarget.values()];
}
