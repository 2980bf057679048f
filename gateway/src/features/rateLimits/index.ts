import type { GatewayFeature } from "../../feature";
import type { RateLimiters } from "./useRateLimit";

export {
  type ConnectionBudget,
  createRateLimits,
  type RateLimiters,
  type RateLimitKind,
  type RateLimits,
} from "./useRateLimit";

/**
 * Every request counted per client IP before its credentials are looked up, so a spray of bad
 * tokens or API keys is held by the same budget as any other traffic from its address; an IP that
 * sent too many bad credentials is refused before any look-up.
 */
export function createAddressBudgetFeature(limiters: RateLimiters): GatewayFeature {
  return { name: "addressBudget", middleware: [limiters.beforeIdentity] };
}

/** Each user, API key or anonymous IP held to its own budget; login and register also per IP whatever token they carry. */
export function createRateLimitFeature(limiters: RateLimiters): GatewayFeature {
  return { name: "rateLimits", middleware: [limiters.afterIdentity], apolloPlugins: [limiters.credentialOperations] };
}
