import type { FieldCipher } from "@fedplat/common";
import { defaultLoginThrottle, type LoginThrottlePolicy } from "./auth/loginThrottle";

/** Secrets and settings the resolvers need. */
export interface AccountsSettings {
  /** Seals phone numbers and addresses at rest. */
  cipher: FieldCipher;
  jwtSecret: string;
  /** @default 900 */
  accessTokenTtlSeconds: number;
  /** @default 2_592_000 (30 days) */
  refreshTokenTtlSeconds: number;
  /** Per-email lock after repeated failed logins. @default defaultLoginThrottle */
  loginThrottle: LoginThrottlePolicy;
}

export const defaultTokenTtls = { accessTokenTtlSeconds: 900, refreshTokenTtlSeconds: 30 * 24 * 3600 };
export { defaultLoginThrottle };
