import type { GatewayFeature } from "../../feature";
import type { ProgressiveOverrideConfig } from "./config";
import { type OverrideLabel, overrideConditions, overrideLabelsIn, parseForcedLabels } from "./overrideLabels";

export { type ProgressiveOverrideConfig, progressiveOverrideSection } from "./config";

const NO_FORCED: ReadonlyMap<string, boolean> = new Map();

/**
 * Progressive `@override(from:, label:)` (federation 2.7): per request, decides which labels are
 * on and hands them to the query planner through the context (patches/@apollo+gateway: stock
 * @apollo/gateway plans every label as off). The plan cache is keyed by the labels that are on.
 */
export function createProgressiveOverrideFeature(
  config: ProgressiveOverrideConfig,
  supergraphSdl: string,
): GatewayFeature {
  let labels: OverrideLabel[] = overrideLabelsIn(supergraphSdl);
  return {
    name: "progressiveOverride",
    apolloPlugins: [
      {
        async requestDidStart({ contextValue, request }) {
          if (labels.length === 0) return;
          const header = config.header ? request.http?.headers.get(config.header) : undefined;
          contextValue.overrideConditions = overrideConditions(
            labels,
            config.labels,
            header ? parseForcedLabels(header) : NO_FORCED,
          );
        },
      },
    ],
    supergraphChanged({ supergraphSdl: sdl }) {
      labels = overrideLabelsIn(sdl);
    },
    /** How each label of the supergraph is decided when no request forces it. */
    report: () =>
      labels.length === 0
        ? {}
        : {
            overrideLabels: Object.fromEntries(
              labels.map(({ label, percent }) => {
                const configured = config.labels[label];
                const rule =
                  configured !== undefined
                    ? configured
                      ? "on"
                      : "off"
                    : percent !== undefined
                      ? `${percent}%`
                      : "off";
                return [label, rule];
              }),
            ),
          },
  };
}
