import { defineSection, envVars } from "@fedplat/runtime";
import { z } from "zod";
import { defaultLimits } from "../../limits";

const perMinute = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);
const { rate } = defaultLimits;

const coordinateLimit = z
  .object({
    perMinute: z.coerce.number().int().min(1).max(1_000_000),
    cost: z.coerce.number().int().min(1).max(1_000_000).default(1),
  })
  .strict();
const COORDINATE = /^(?:[A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$/;
/** A JSON object in the environment, a mapping in the file. */
const coordinates = z.preprocess(
  (value) => {
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  },
  z.record(z.string().regex(COORDINATE), coordinateLimit, {
    error: (issue) => {
      if (issue.code === "invalid_type") return 'must be an object like {"Query.orders": {"perMinute": 60, "cost": 1}}';
      if (issue.code === "invalid_key")
        return 'keys must be field coordinates ("Query.orders") or operation names ("PlaceOrder")';
      return undefined;
    },
  }),
);

/** Requests per minute per caller, counted in Redis so every replica shares the budget (useRateLimit). */
export const rateLimitsSection = defineSection({
  path: "gateway.rateLimits",
  schema: z.object({
    anonymousPerMinute: perMinute(rate.anonymousPerMinute).describe("Per client IP without credentials"),
    userPerMinute: perMinute(rate.userPerMinute).describe("Per signed-in user"),
    apiKeyPerMinute: perMinute(rate.apiKeyPerMinute).describe("Per API key"),
    ipPerMinute: perMinute(rate.ipPerMinute ?? 1_200).describe(
      "Every request per client IP, counted before credentials are looked up",
    ),
    invalidCredentialsPerMinute: perMinute(rate.invalidCredentialsPerMinute ?? 20).describe(
      "Requests refused for a bad token or API key per client IP; beyond it the IP is refused before any look-up",
    ),
    coordinates: coordinates
      .default({})
      .describe(
        'Per caller, a budget per field coordinate or operation name: {"Query.orders": {"perMinute": 60, "cost": 1}} (JSON in the environment); docs/security.md',
      ),
    enabled: envVars
      .flag(true)
      .describe("false: no rate limit at all, for an internal deployment behind limits of its own"),
  }),
  env: { prefix: "RATE_LIMIT_" },
});
