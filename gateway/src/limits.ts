import type { QueryLimits } from "./features/limits/useQueryLimits";
import type { RateLimits } from "./features/rateLimits/useRateLimit";
import type { RequestShapeLimits } from "./features/limits/useRequestShape";

/** Every abuse limit of the gateway; each has an environment variable (see config.ts). */
export interface GatewayLimits {
  query: QueryLimits;
  request: RequestShapeLimits;
  rate: RateLimits;
  /** Largest request body express accepts. @default "1mb" */
  bodyLimit: string;
}

export const defaultLimits: GatewayLimits = {
  query: { maxDepth: 10, maxAliases: 15, maxRootFields: 10, maxDirectives: 50 },
  request: { maxBatch: 1, maxVariablesBytes: 65_536, maxTokens: 2_000, maxExpandedFields: 5_000 },
  rate: {
    anonymousPerMinute: 100,
    userPerMinute: 600,
    apiKeyPerMinute: 600,
    ipPerMinute: 1_200,
    invalidCredentialsPerMinute: 20,
  },
  bodyLimit: "1mb",
};
