import type { GatewayFeature } from "../../feature";
import type { RateLimiters } from "./useRateLimit";

export {
  type ConnectionBudget,
  type CoordinateLimit,
  createRateLimits,
  type RateLimiters,
  type RateLimitKind,
  type RateLimits,
} from "./useRateLimit";

/** Counts every request per client IP, and refuses an IP that sent too many bad credentials (why before identity: server.ts). */
export function createAddressBudgetFeature(limiters: RateLimiters): GatewayFeature {
  return { name: "addressBudget", middleware: [limiters.beforeIdentity] };
}

/**
 * Each user, API key or anonymous IP held to its own budget; login and register also per IP
 * whatever token they carry; configured field coordinates and operation names to budgets of their own.
 */
export function createRateLimitFeature(limiters: RateLimiters): GatewayFeature {
  return {
    name: "rateLimits",
    middleware: [limiters.afterIdentity],
    apolloPlugins: [limiters.credentialOperations, limiters.coordinateLimits],
  };
}
