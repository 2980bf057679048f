import { defineSection } from "@fedplat/runtime";
import { z } from "zod";
import { defaultLimits } from "../../limits";

const perMinute = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);
const { rate } = defaultLimits;

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
  }),
  env: { prefix: "RATE_LIMIT_" },
});
