import type { FieldCipher } from "@fedplat/runtime";
import type { TokenSigningKey } from "@fedplat/auth";
import { defaultLoginThrottle, type LoginThrottlePolicy } from "./auth/loginThrottle";

/** Secrets and settings the resolvers need. */
export interface AccountsSettings {
  /** Seals phone numbers and addresses at rest. */
  cipher: FieldCipher;
  /** Signs access tokens: the active key of JWT_SIGNING_KEYS (its id goes in `kid`), or JWT_SECRET alone (no kid). */
  signingKey: string | TokenSigningKey;
  /** The longest an API key may live; createApiKey refuses a later expiry and gives this one when none is asked. @default 90 */
  apiKeyMaxDays: number;
  /** @default 900 */
  accessTokenTtlSeconds: number;
  /** @default 2_592_000 (30 days) */
  refreshTokenTtlSeconds: number;
  /** Per-email lock after repeated failed logins. @default defaultLoginThrottle */
  loginThrottle: LoginThrottlePolicy;
}

export const defaultTokenTtls = { accessTokenTtlSeconds: 900, refreshTokenTtlSeconds: 30 * 24 * 3600 };
export const DEFAULT_API_KEY_MAX_DAYS = 90;
export { defaultLoginThrottle };
