import { accessTokenSection, LEGACY_KEY_ID, parseSigningKeys, type TokenSigningKey } from "@fedplat/auth";
import { ConfigError, defineSection, loadConfig } from "@fedplat/runtime";
import { subgraphSectionsOf } from "@fedplat/subgraph";
import { z } from "zod";
import { defaultLoginThrottle } from "./auth/loginThrottle";
import { DEFAULT_API_KEY_MAX_DAYS } from "./settings";

const seconds = (fallback: number) => z.coerce.number().int().min(1).max(86_400).default(fallback);

/** accounts' own options: API keys, the personal-data cipher of its tables, the login throttle. */
export const accountsSection = defineSection({
  path: "accounts",
  schema: z
    .object({
      apiKeyMaxDays: z.coerce
        .number()
        .int()
        .min(1)
        .max(3_650)
        .default(DEFAULT_API_KEY_MAX_DAYS)
        .describe("The longest an API key may live, in days; createApiKey refuses a later expiry"),
      piiEncryptionKeys: z
        .string()
        .min(1)
        .describe(
          "Keys that encrypt personal columns (email, name), kid:<base64 of 32 bytes>, comma-separated; generated into .env by `npm run setup`",
        ),
      piiActiveKeyId: z.string().min(1).describe("Which of PII_ENCRYPTION_KEYS encrypts new values"),
      loginMaxFailures: z.coerce
        .number()
        .int()
        .min(1)
        .max(1_000)
        .default(defaultLoginThrottle.maxFailures)
        .describe("Failed logins per email before it locks"),
      loginLockSeconds: seconds(defaultLoginThrottle.lockSeconds).describe(
        "The first lock; each further failure doubles it up to LOGIN_MAX_LOCK_SECONDS",
      ),
      loginMaxLockSeconds: seconds(defaultLoginThrottle.maxLockSeconds).describe("The longest lock"),
      loginForgetAfterSeconds: seconds(defaultLoginThrottle.forgetAfterSeconds).describe(
        "An email's failures are forgotten this long after its last one (at least LOGIN_MAX_LOCK_SECONDS)",
      ),
    })
    .refine((options) => options.loginForgetAfterSeconds >= options.loginMaxLockSeconds, {
      path: ["loginForgetAfterSeconds"],
      message: "must be at least LOGIN_MAX_LOCK_SECONDS (a lock must not be forgotten before it ends)",
    }),
  env: {
    names: {
      apiKeyMaxDays: "API_KEY_MAX_DAYS",
      piiEncryptionKeys: "PII_ENCRYPTION_KEYS",
      piiActiveKeyId: "PII_ACTIVE_KEY_ID",
      loginMaxFailures: "LOGIN_MAX_FAILURES",
      loginLockSeconds: "LOGIN_LOCK_SECONDS",
      loginMaxLockSeconds: "LOGIN_MAX_LOCK_SECONDS",
      loginForgetAfterSeconds: "LOGIN_FORGET_AFTER_SECONDS",
    },
  },
  secrets: ["piiEncryptionKeys"],
});

/** The accounts process's configuration sections, for `npm run config`. */
export const accountsSections = {
  ...subgraphSectionsOf("accounts", 4001),
  accounts: accountsSection,
  accessTokens: accessTokenSection,
};

export type AccountsConfig = z.infer<typeof accountsSection.schema> & {
  /** The key new access tokens are signed with: JWT_ACTIVE_KEY_ID of JWT_SIGNING_KEYS, else JWT_SECRET (no kid). */
  tokenSigningKey: TokenSigningKey;
};

/** accounts' options and its token signing key (`env` in tests); accounts must be able to sign. */
export function loadAccountsConfig(env?: NodeJS.ProcessEnv): AccountsConfig {
  const { accounts, accessTokens } = loadConfig(
    { accounts: accountsSection, accessTokens: accessTokenSection },
    env ? { env, file: false } : {},
  );
  const { secret, signingKeys, activeKeyId } = accessTokens;
  if (signingKeys) {
    const keys = parseSigningKeys(signingKeys); // valid: the section checked it
    const key = activeKeyId === undefined ? undefined : keys.get(activeKeyId);
    if (activeKeyId === undefined || key === undefined)
      throw new ConfigError(
        `Invalid configuration:\n  JWT_ACTIVE_KEY_ID: must name one of JWT_SIGNING_KEYS (${[...keys.keys()].join(", ")}) (currently: ${activeKeyId === undefined ? "unset" : JSON.stringify(activeKeyId)}; option accessTokens.activeKeyId)`,
      );
    return { ...accounts, tokenSigningKey: { id: activeKeyId, secret: key } };
  }
  if (!secret)
    throw new ConfigError(
      "Invalid configuration:\n  JWT_SECRET: required (at least 32 characters) unless JWT_SIGNING_KEYS is set (currently: unset; option accessTokens.secret)",
    );
  return { ...accounts, tokenSigningKey: { id: LEGACY_KEY_ID, secret } };
}
