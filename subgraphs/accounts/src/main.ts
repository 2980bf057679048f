import { createFieldCipher, envVars, parseEnv, runSubgraph } from "@fedplat/common";
import { requireSigningKey } from "@fedplat/events";
import { z } from "zod";
import { defaultLoginThrottle } from "./auth/loginThrottle";
import { createAccountsPrisma } from "./db";
import { buildAccountsServer } from "./server";

runSubgraph({
  name: "accounts",
  defaultPort: 4001,
  createPrisma: createAccountsPrisma,
  build: (deps) => {
    requireSigningKey("accounts");
    const seconds = (fallback: number) => z.coerce.number().int().min(1).max(86_400).default(fallback);
    const env = parseEnv(
      z
        .object({
          JWT_SECRET: envVars.secret,
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
        .refine((env) => env.LOGIN_FORGET_AFTER_SECONDS >= env.LOGIN_MAX_LOCK_SECONDS, { path: ["LOGIN_FORGET_AFTER_SECONDS"], message: "must be at least LOGIN_MAX_LOCK_SECONDS (a lock must not be forgotten before it ends)" }),
    );
    return buildAccountsServer({
      ...deps,
      jwtSecret: env.JWT_SECRET,
      cipher: createFieldCipher(env.PII_ENCRYPTION_KEYS, env.PII_ACTIVE_KEY_ID),
      loginThrottle: { maxFailures: env.LOGIN_MAX_FAILURES, lockSeconds: env.LOGIN_LOCK_SECONDS, maxLockSeconds: env.LOGIN_MAX_LOCK_SECONDS, forgetAfterSeconds: env.LOGIN_FORGET_AFTER_SECONDS },
    });
  },
});
