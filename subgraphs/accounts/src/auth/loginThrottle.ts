import { createHash } from "node:crypto";
import { appError, ErrorCode } from "@fedplat/runtime";
import type { AccountsPrisma } from "../db";

/** How failed logins lock an email (see AccountsSettings.loginThrottle). */
export interface LoginThrottlePolicy {
  /** Failed logins allowed before the email locks. @default 5 */
  maxFailures: number;
  /** The first lock; each further failure doubles it. @default 30 */
  lockSeconds: number;
  /** The longest lock. @default 900 */
  maxLockSeconds: number;
  /** Failures are forgotten this long after the last one (at least maxLockSeconds). @default 900 */
  forgetAfterSeconds: number;
}

export const defaultLoginThrottle: LoginThrottlePolicy = {
  maxFailures: 5,
  lockSeconds: 30,
  maxLockSeconds: 900,
  forgetAfterSeconds: 900,
};

/** One login attempt's hold on the email's counter: settle it with succeeded() or failed(). */
export interface LoginAttempt {
  succeeded(): Promise<void>;
  failed(): Promise<void>;
}

const emailKey = (email: string) => createHash("sha256").update(email).digest("hex");

function lockedError(until: Date, now: number) {
  const retryAfter = Math.max(1, Math.ceil((until.getTime() - now) / 1000));
  return appError(ErrorCode.ACCOUNT_LOCKED, `Too many failed logins for this email; retry in ${retryAfter} s`, {
    retryAfter,
  });
}

/**
 * Per-email brute-force throttle, stored in the accounts database so every replica sees it.
 * An attempt is counted BEFORE the password is checked, so a burst of concurrent guesses gets at
 * most maxFailures argon2 hashes per lock; a locked email is refused without hashing anything.
 * Unknown emails go through the same steps, so the throttle says nothing about which exist.
 */
export function createLoginThrottle(prisma: AccountsPrisma, policy: LoginThrottlePolicy) {
  const lockFor = (failures: number) =>
    Math.min(policy.maxLockSeconds, policy.lockSeconds * 2 ** Math.max(0, failures - policy.maxFailures)) * 1000;
  return {
    /** Throws ACCOUNT_LOCKED (with retryAfter seconds) when `email` may not try now. */
    async begin(email: string): Promise<LoginAttempt> {
      const emailHash = emailKey(email);
      const now = Date.now();
      const current = await prisma.loginThrottle.findUnique({ where: { emailHash }, select: { lockedUntil: true } });
      if (current?.lockedUntil && current.lockedUntil.getTime() > now) throw lockedError(current.lockedUntil, now);
      // Forgets quiet emails (this one included) and prunes the table in one indexed statement:
      // a lock never outlives forgetAfterSeconds, so no live lock is deleted here.
      await prisma.loginThrottle.deleteMany({
        where: { lastFailureAt: { lt: new Date(now - policy.forgetAfterSeconds * 1000) } },
      });
      const { failures } = await prisma.loginThrottle.upsert({
        where: { emailHash },
        create: { emailHash, failures: 1, lastFailureAt: new Date(now) },
        update: { failures: { increment: 1 }, lastFailureAt: new Date(now) },
        select: { failures: true },
      });
      const lock = async () => {
        const until = new Date(Date.now() + lockFor(failures));
        await prisma.loginThrottle.updateMany({ where: { emailHash }, data: { lockedUntil: until } });
        return until;
      };
      // More attempts in flight than allowed (a concurrent burst): refused before hashing.
      if (failures > policy.maxFailures) throw lockedError(await lock(), Date.now());
      return {
        succeeded: async () => {
          await prisma.loginThrottle.deleteMany({ where: { emailHash } });
        },
        failed: async () => {
          if (failures >= policy.maxFailures) await lock();
        },
      };
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
