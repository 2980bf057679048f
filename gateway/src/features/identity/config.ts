import { keyVars, parseSigningKeys, type TokenVerification } from "@fedplat/auth";
import { ConfigError, defineSection, envVars } from "@fedplat/runtime";
import { z } from "zod";

/** How callers are identified: access tokens (accounts' HS256 or an identity provider's JWKS) and the gateway's own key. */
export const identitySection = defineSection({
  path: "gateway.identity",
  schema: z.object({
    secret: envVars.secret
      .optional()
      .describe("HS256 secret of accounts' access tokens (tokens without a kid); `npm run setup` generates it"),
    signingKeys: z
      .string()
      .min(1)
      .optional()
      .describe('Verification keys by id, "k2:<secret>,k1:<secret>": a token is checked with the key its kid names'),
    jwksUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe("An identity provider's JWKS: its tokens instead of accounts' HS256 ones"),
    issuer: z.string().min(1).optional().describe("Required with jwksUrl: the provider's iss"),
    audience: z.string().min(1).optional().describe("Required with jwksUrl: the aud tokens must carry"),
    sessionCheckMs: z.coerce
      .number()
      .int()
      .min(100)
      .max(5_000)
      .default(3_000)
      .describe("How long a replica reuses a user's session state: logout and role changes apply within this"),
    signingKey: keyVars.signingKey.describe(
      "The gateway's private Ed25519 JWK: signs the identity each subgraph verifies",
    ),
  }),
  env: { prefix: "JWT_", names: { sessionCheckMs: "SESSION_CHECK_MS", signingKey: "GATEWAY_SIGNING_KEY" } },
  secrets: ["secret", "signingKeys", "signingKey"],
});

type IdentitySettings = z.infer<typeof identitySection.schema>;

/** jwksUrl (+ issuer, audience) selects an identity provider; otherwise accounts' HS256 keys. */
export function tokenVerification(config: IdentitySettings): TokenVerification {
  if (config.jwksUrl) {
    const missing = (["issuer", "audience"] as const).filter((name) => !config[name]);
    if (missing.length)
      throw new ConfigError(
        `Invalid configuration:\n${missing.map((name) => `  JWT_${name.toUpperCase()}: required when JWT_JWKS_URL is set`).join("\n")}`,
      );
    return { kind: "jwks", url: config.jwksUrl, issuer: config.issuer ?? "", audience: config.audience ?? "" };
  }
  if (config.signingKeys) {
    let keys: Map<string, string>;
    try {
      keys = parseSigningKeys(config.signingKeys);
    } catch (error) {
      throw new ConfigError(`Invalid configuration:\n  JWT_SIGNING_KEYS: ${(error as Error).message}`);
    }
    return { kind: "hs256", keys: Object.fromEntries(keys), ...(config.secret ? { secret: config.secret } : {}) };
  }
  if (!config.secret)
    throw new ConfigError(
      "Invalid configuration:\n  JWT_SECRET: required (at least 32 characters) unless JWT_SIGNING_KEYS or JWT_JWKS_URL is set (run `npm run setup` to generate one into .env)",
    );
  return { kind: "hs256", secret: config.secret };
}
