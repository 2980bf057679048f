import { defineSection, envVars } from "@fedplat/runtime";
import { z } from "zod";
import { parseSigningKeys } from "./identity";
import { keyVars } from "./keyVars";

/**
 * accounts' HS256 access-token keys: accounts signs with them, the workers (Bull Board) verify
 * with them, as the gateway does. One section so the file sets them once for every process.
 */
export const accessTokenSection = defineSection({
  path: "accessTokens",
  schema: z.object({
    secret: envVars.secret
      .optional()
      .describe("A single HS256 key (tokens carry no kid); for signing, JWT_SIGNING_KEYS wins when set"),
    signingKeys: z
      .string()
      .min(1)
      .superRefine((value, context) => {
        try {
          parseSigningKeys(value);
        } catch (error) {
          context.addIssue({ code: "custom", message: (error as Error).message });
        }
      })
      .optional()
      .describe(
        'Keys by kid, "k2:<secret>,k1:<secret>": tokens are signed with JWT_ACTIVE_KEY_ID and carry it as kid; a kid no longer listed is refused (docs/runbook.md)',
      ),
    activeKeyId: z.string().min(1).optional().describe("Which of JWT_SIGNING_KEYS signs new tokens (accounts)"),
  }),
  env: { names: { secret: "JWT_SECRET", signingKeys: "JWT_SIGNING_KEYS", activeKeyId: "JWT_ACTIVE_KEY_ID" } },
  secrets: ["secret", "signingKeys"],
});

/**
 * Whose signed identity a process believes: the gateway's (every subgraph and the workers'
 * operations subgraph), and for some subgraphs a calling service's own keys.
 */
export const identityTrustSection = defineSection({
  path: "identity.trust",
  schema: z.object({
    gatewayVerifyKeys: keyVars.verifyKeys.describe(
      "The gateway's public keys, a JSON array of Ed25519 JWKs with kids (several during a rotation): verify the identity it signs into each request",
    ),
    serviceVerifyKeys: z
      .record(z.string(), z.string())
      .default({})
      .describe(
        "Per calling service (ORDERS: '[...]'), its public keys as JSON: required by, and checked only in, the subgraphs that service calls directly",
      ),
  }),
  env: { names: { gatewayVerifyKeys: "GATEWAY_VERIFY_KEYS" } },
  envMaps: [{ option: "serviceVerifyKeys", pattern: /^([A-Z0-9_]+)_SERVICE_VERIFY_KEYS$/ }],
  // Public keys, but never echoed: a private key pasted by mistake must not reach the logs.
  secrets: ["gatewayVerifyKeys", "serviceVerifyKeys"],
});

/** The configuration sections of @fedplat/auth, for `npm run config`. */
export const authSections = { accessTokens: accessTokenSection, identityTrust: identityTrustSection };
