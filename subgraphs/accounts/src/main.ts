import { createFieldCipher, envVars, parseEnv } from "@fedplat/runtime";
import { LEGACY_KEY_ID, parseSigningKeys } from "@fedplat/auth";
import { runSubgraph } from "@fedplat/subgraph";
import { requireEventPiiCipher, requireSigningKey } from "@fedplat/events";
import { z } from "zod";
import { defaultLoginThrottle } from "./auth/loginThrottle";
import { createAccountsPrisma } from "./db";
import { buildAccountsServer } from "./server";
import { DEFAULT_API_KEY_MAX_DAYS } from "./settings";

runSubgraph({
  name: "accounts",
  defaultPort: 4001,
  createPrisma: createAccountsPrisma,
  build: (deps) => {
    requireSigningKey("accounts");
    requireEventPiiCipher(); // user.registered carries an email and a name, sealed with EVENT_PII_KEYS
    const seconds = (fallback: number) => z.coerce.number().int().min(1).max(86_400).default(fallback);
    const env = parseEnv(
      z
        .object({
          /** A single signing key (tokens carry no kid); ignored for signing when JWT_SIGNING_KEYS is set. */
          JWT_SECRET: envVars.secret.optional(),
          /** "k2:<secret>,k1:<secret>": access tokens are signed with JWT_ACTIVE_KEY_ID and carry it as kid (docs/runbook.md). */
          JWT_SIGNING_KEYS: z.string().min(1).optional(),
          /** Which of JWT_SIGNING_KEYS signs new tokens. */
          JWT_ACTIVE_KEY_ID: z.string().min(1).optional(),
          /** The longest an API key may live, in days; createApiKey refuses a later expiry. */
          API_KEY_MAX_DAYS: z.coerce.number().int().min(1).max(3_650).default(DEFAULT_API_KEY_MAX_DAYS),
          PII_ENCRYPTION_KEYS: z.string().min(1),
          PII_ACTIVE_KEY_ID: z.string().min(1),
          /** Failed logins per email before it locks (see auth/loginThrottle.ts). */
          LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1_000).default(defaultLoginThrottle.maxFailures),
          /** The first lock; each further failure doubles it up to LOGIN_MAX_LOCK_SECONDS. */
          LOGIN_LOCK_SECONDS: seconds(defaultLoginThrottle.lockSeconds),
          LOGIN_MAX_LOCK_SECONDS: seconds(defaultLoginThrottle.maxLockSeconds),
          /** An email's failures are forgotten this long after its last one. */
          LOGIN_FORGET_AFTER_SECONDS: seconds(defaultLoginThrottle.forgetAfterSeconds),
        })
        .superRefine((env, context) => {
          if (!env.JWT_SIGNING_KEYS) {
            if (!env.JWT_SECRET)
              context.addIssue({
                code: "custom",
                path: ["JWT_SECRET"],
                message: "required (at least 32 characters) unless JWT_SIGNING_KEYS is set",
              });
            return;
          }
          try {
            const keys = parseSigningKeys(env.JWT_SIGNING_KEYS);
            if (!env.JWT_ACTIVE_KEY_ID || !keys.has(env.JWT_ACTIVE_KEY_ID))
              context.addIssue({
                code: "custom",
                path: ["JWT_ACTIVE_KEY_ID"],
                message: `must name one of JWT_SIGNING_KEYS (${[...keys.keys()].join(", ")})`,
              });
          } catch (error) {
            context.addIssue({ code: "custom", path: ["JWT_SIGNING_KEYS"], message: (error as Error).message });
          }
        })
        .refine((env) => env.LOGIN_FORGET_AFTER_SECONDS >= env.LOGIN_MAX_LOCK_SECONDS, {
          path: ["LOGIN_FORGET_AFTER_SECONDS"],
          message: "must be at least LOGIN_MAX_LOCK_SECONDS (a lock must not be forgotten before it ends)",
        }),
    );
    return buildAccountsServer({
      ...deps,
      jwtSecret: signingKeyOf(env),
      apiKeyMaxDays: env.API_KEY_MAX_DAYS,
      cipher: createFieldCipher(env.PII_ENCRYPTION_KEYS, env.PII_ACTIVE_KEY_ID),
      loginThrottle: {
        maxFailures: env.LOGIN_MAX_FAILURES,
        lockSeconds: env.LOGIN_LOCK_SECONDS,
        maxLockSeconds: env.LOGIN_MAX_LOCK_SECONDS,
        forgetAfterSeconds: env.LOGIN_FORGET_AFTER_SECONDS,
      },
    });
  },
});

/** The key new access tokens are signed with: JWT_ACTIVE_KEY_ID of JWT_SIGNING_KEYS, else JWT_SECRET (no kid). */
function signingKeyOf(env: { JWT_SECRET?: string; JWT_SIGNING_KEYS?: string; JWT_ACTIVE_KEY_ID?: string }) {
  if (env.JWT_SIGNING_KEYS && env.JWT_ACTIVE_KEY_ID) {
    return {
      id: env.JWT_ACTIVE_KEY_ID,
      secret: parseSigningKeys(env.JWT_SIGNING_KEYS).get(env.JWT_ACTIVE_KEY_ID) ?? "",
    };
  }
  return { id: LEGACY_KEY_ID, secret: env.JWT_SECRET ?? "" };
}
