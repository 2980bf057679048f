import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError, type GraphQLSchema } from "graphql";
import { Histogram, type Registry } from "prom-client";
import type { GatewayContext } from "../../context";
import type { GatewayFeature } from "../../feature";
import type { DemandControlOptions } from "./config";
import {
  actualCost,
  type CostModel,
  type CostRequest,
  createCostModel,
  estimateCost,
  SlicingArgumentError,
} from "./costModel";

export { type DemandControlMode, type DemandControlOptions, defaultDemandControl } from "./config";
export {
  actualCost,
  type CostModel,
  type CostModelOptions,
  type CostRequest,
  createCostModel,
  estimateCost,
  SlicingArgumentError,
} from "./costModel";
export type { CostDirectives, ListSize } from "./costDirectives";

export interface DemandControlFeatureOptions {
  options: DemandControlOptions;
  registry: Registry;
}

const COST_BUCKETS = [0, 1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 50_000, 100_000, 1_000_000];

/**
 * Demand control (IBM cost spec, as Apollo Router and Hive Gateway): each operation's cost is
 * estimated from the API schema and the supergraph's `@cost`/`@listSize` once it is resolved,
 * before planning; in enforce mode one over `maxCost` is refused with COST_ESTIMATED_TOO_EXPENSIVE
 * (HTTP 200, as Apollo Router answers) and no subgraph is called. The actual cost is measured on
 * the response. Both are histograms: `gateway_operation_cost_estimated{operation_type,result}`
 * and `gateway_operation_cost_actual{operation_type}`.
 */
export function createDemandControlFeature({ options, registry }: DemandControlFeatureOptions): GatewayFeature {
  let model: CostModel | undefined;
  const use = (apiSchema: GraphQLSchema, supergraphSdl: string) => {
    model = createCostModel(supergraphSdl, { apiSchema, defaultListSize: options.defaultListSize });
  };
  const estimated = new Histogram({
    name: "gateway_operation_cost_estimated",
    help: "Estimated cost of operations (@cost/@listSize) by operation type and result (ok, too_expensive, measured_over)",
    labelNames: ["operation_type", "result"] as const,
    buckets: COST_BUCKETS,
    registers: [registry],
  });
  const actual = new Histogram({
    name: "gateway_operation_cost_actual",
    help: "Actual cost of responses (lists counted by the items returned) by operation type",
    labelNames: ["operation_type"] as const,
    buckets: COST_BUCKETS,
    registers: [registry],
  });

  const plugin: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      let measured: { request: CostRequest; operationType: string } | undefined;
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!model || !operation) return;
          const costRequest: CostRequest = {
            document,
            operationName: request.operationName,
            variables: request.variables,
          };
          let cost: number;
          try {
            cost = estimateCost(model, costRequest);
          } catch (error) {
            // Measure mode refuses nothing, not even a list without its slicing argument.
            if (options.mode === "measure" && error instanceof SlicingArgumentError) return;
            throw error;
          }
          const operationType = operation.operation;
          if (cost <= options.maxCost) {
            estimated.observe({ operation_type: operationType, result: "ok" }, cost);
            measured = { request: costRequest, operationType };
            return;
          }
          if (options.mode === "measure") {
            estimated.observe({ operation_type: operationType, result: "measured_over" }, cost);
            measured = { request: costRequest, operationType };
            return;
          }
          estimated.observe({ operation_type: operationType, result: "too_expensive" }, cost);
          throw new GraphQLError(`Operation estimated cost ${cost} exceeds the limit of ${options.maxCost}`, {
            extensions: {
              code: "COST_ESTIMATED_TOO_EXPENSIVE",
              cost: { estimated: cost, max: options.maxCost },
              http: { status: 200 },
            },
          });
        },
        async willSendResponse({ response }) {
          if (!model || !measured || response.body.kind !== "single") return;
          const { data } = response.body.singleResult;
          if (data)
            actual.observe({ operation_type: measured.operationType }, actualCost(model, measured.request, data));
        },
      };
    },
  };

  return {
    name: "demandControl",
    apolloPlugins: [plugin],
    attach: ({ apiSchema, supergraphSdl }) => use(apiSchema, supergraphSdl),
    supergraphChanged: ({ apiSchema, supergraphSdl }) => use(apiSchema, supergraphSdl),
  };
}
