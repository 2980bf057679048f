import { operationFromDocument, Supergraph } from "@apollo/federation-internals";
import { type PlanNode, QueryPlanner, type SubscriptionNode } from "@apollo/query-planner";
import { createCostModel, defaultDemandControl, estimateCost } from "@fedplat/gateway";
import { Kind, parse } from "graphql";
import { type Acknowledgement, COST_INCREASE, findAcknowledgement } from "./acknowledgements";
import type { ClientOperation } from "./clientOperations";

/** What a client operation costs on one supergraph: the gateway's estimate and the query plan's shape. */
export interface OperationShape {
  /** Estimated cost, as the gateway's demand control computes it (without the request's variables). */
  cost: number;
  /** Subgraph fetches in the plan. */
  fetches: number;
  /** Fetches that must run one after another (the plan's longest sequence). */
  depth: number;
}

/**
 * How one client operation compares with a baseline:
 * - costlier: its cost grew past the ratio, nobody acknowledged it (fails the check);
 * - acknowledged: the same, with an acknowledgement's reason;
 * - changed: cost or plan changed within the ratio (reported only);
 * - unchanged;
 * - new: it does not run on the baseline (it uses a new field);
 * - broken: it does not run on the current supergraph (validateClientOperations says why).
 */
export type OperationVerdict = "costlier" | "acknowledged" | "changed" | "unchanged" | "new" | "broken";

export interface OperationComparison {
  name: string;
  id: string;
  before?: OperationShape;
  after?: OperationShape;
  verdict: OperationVerdict;
  /** The acknowledgement's reason. */
  note?: string;
}

function planShape(node: PlanNode | SubscriptionNode | undefined): { fetches: number; depth: number } {
  if (!node) return { fetches: 0, depth: 0 };
  const all = (nodes: readonly (PlanNode | undefined)[]) => nodes.map(planShape);
  const sum = (shapes: { fetches: number }[]) => shapes.reduce((total, shape) => total + shape.fetches, 0);
  const deepest = (shapes: { depth: number }[]) => Math.max(0, ...shapes.map((shape) => shape.depth));
  switch (node.kind) {
    case "Fetch":
      return { fetches: 1, depth: 1 };
    case "Flatten":
      return planShape(node.node);
    case "Sequence": {
      const shapes = all(node.nodes);
      return { fetches: sum(shapes), depth: shapes.reduce((total, shape) => total + shape.depth, 0) };
    }
    case "Parallel": {
      const shapes = all(node.nodes);
      return { fetches: sum(shapes), depth: deepest(shapes) };
    }
    case "Condition": {
      const shapes = all([node.ifClause, node.elseClause]);
      return { fetches: Math.max(...shapes.map((shape) => shape.fetches)), depth: deepest(shapes) };
    }
    case "Defer": {
      const primary = planShape(node.primary.node);
      const deferred = all(node.deferred.map((each) => each.node));
      return { fetches: primary.fetches + sum(deferred), depth: primary.depth + deepest(deferred) };
    }
    case "Subscription": {
      const rest = planShape(node.rest);
      return { fetches: 1 + rest.fetches, depth: 1 + rest.depth };
    }
    default: {
      const unknown: never = node;
      throw new Error(`unknown plan node ${JSON.stringify(unknown)}`);
    }
  }
}

/** Plans and prices client operations on one supergraph (the gateway's planner and cost model). */
export function operationAnalyzer(supergraphSdl: string): (document: string) => OperationShape | undefined {
  // Read to plan and price, not served: the `for: SECURITY` features are the gateway's to enforce.
  const supergraph = Supergraph.build(supergraphSdl, { supportedFeatures: null });
  const apiSchema = supergraph.apiSchema();
  // Planned as the gateway plans: deferred fragments get their own fetches.
  const planner = new QueryPlanner(supergraph, { incrementalDelivery: { enableDefer: true } });
  const model = createCostModel(supergraphSdl, {
    apiSchema: apiSchema.toGraphQLJSSchema(),
    defaultListSize: defaultDemandControl.defaultListSize,
  });
  return (text) => {
    try {
      const document = parse(text);
      const shape: OperationShape = { cost: 0, fetches: 0, depth: 0 };
      for (const definition of document.definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
        const operationName = definition.name?.value;
        const plan = planner.buildQueryPlan(operationFromDocument(apiSchema, document, { operationName }));
        const { fetches, depth } = planShape(plan.node);
        shape.cost += estimateCost(model, { document, operationName });
        shape.fetches += fetches;
        shape.depth = Math.max(shape.depth, depth);
      }
      return shape;
    } catch {
      return undefined; // does not validate on this supergraph
    }
  };
}

/**
 * Each client operation on the baseline and on the current supergraph. An operation whose cost
 * grows more than `maxCostRatio` times is `costlier` unless an acknowledgement names it
 * (`coordinate: <operation name>`, `change: OPERATION_COST_INCREASED`).
 */
export function compareOperations(
  baseline: (document: string) => OperationShape | undefined,
  current: (document: string) => OperationShape | undefined,
  operations: readonly ClientOperation[],
  maxCostRatio: number,
  acknowledgements: readonly Acknowledgement[],
): OperationComparison[] {
  return operations.map(({ name, id, document }) => {
    const before = baseline(document);
    const after = current(document);
    const base = { name, id, ...(before ? { before } : {}), ...(after ? { after } : {}) };
    if (!after) return { ...base, verdict: "broken" };
    if (!before) return { ...base, verdict: "new" };
    if (after.cost > Math.max(before.cost, 1) * maxCostRatio) {
      const acknowledgement = findAcknowledgement(acknowledgements, COST_INCREASE, name);
      return acknowledgement
        ? { ...base, verdict: "acknowledged", note: acknowledgement.reason }
        : { ...base, verdict: "costlier" };
    }
    const same = before.cost === after.cost && before.fetches === after.fetches && before.depth === after.depth;
    return { ...base, verdict: same ? "unchanged" : "changed" };
  });
}
