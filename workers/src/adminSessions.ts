import type { AccountsPrisma } from "@fedplat/accounts";

/** What decides whether a user's tokens still hold (accounts' User: role, disabledAt, tokenVersion). */
export interface SessionState {
  /** accounts' one role per user. */
  role: string;
  disabled: boolean;
  tokenVersion: number;
}

/** The session state of a user; null when there is no such user. */
export type SessionStateLookup = (userId: string) => Promise<SessionState | null>;

/**
 * Session state read from accounts' own table. The workers already hold accounts' Prisma client
 * (they run its event handlers); an indexed read by primary key, like accounts' `sessionState`
 * that the gateway asks (gateway/src/sessionChecker.ts).
 */
export function accountsSessionState(prisma: AccountsPrisma): SessionStateLookup {
  return async (userId) => {
    const user = await prisma.user.findUnique({
      where: { id: userId },
      select: { role: true, disabledAt: true, tokenVersion: true },
    });
    return user ? { role: user.role, disabled: user.disabledAt !== null, tokenVersion: user.tokenVersion } : null;
  };
}

export interface AdminSessionCheckOptions {
  /** How long one user's state is reused: logout, a role change or disabling ends a Bull Board session within this plus one look-up. @default 3_000 */
  cacheMs?: number;
  /** Users remembered at most (admins are few; bearer tokens of others are looked up too). @default 1_000 */
  cacheSize?: number;
  /** @default Date.now */
  now?: () => number;
}

/** The user's current role when a token (or a session made from one) of `tokenVersion` still holds; "ended" otherwise. */
export type AdminSessionCheck = (userId: string, tokenVersion: number) => Promise<string | "ended">;

/**
 * The gateway's session rule for Bull Board: the user exists and is not disabled, the token's
 * version is not older than the user's (logout, changePassword and "sign everyone out" bump it),
 * and the user acts with their CURRENT role, so a demotion ends admin access. State is cached per
 * user for `cacheMs`; concurrent look-ups of one user share one read. A failed read rejects (the
 * caller answers 503: fail closed).
 */
export function createAdminSessionCheck(
  lookUp: SessionStateLookup,
  options: AdminSessionCheckOptions = {},
): AdminSessionCheck {
  const cacheMs = options.cacheMs ?? 3_000;
  const cacheSize = options.cacheSize ?? 1_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { state: SessionState | null; readAtMs: number }>();
  const inFlight = new Map<string, Promise<SessionState | null>>();

  const stateOf = async (userId: string): Promise<SessionState | null> => {
    const cached = cache.get(userId);
    if (cached && now() - cached.readAtMs < cacheMs) return cached.state;
    const pending = inFlight.get(userId);
    if (pending) return pending;
    const read = lookUp(userId)
      .then((state) => {
        cache.delete(userId); // re-inserted last: Map order is then oldest first
        cache.set(userId, { state, readAtMs: now() });
        for (const oldest of cache.keys()) {
          if (cache.size <= cacheSize) break;
          cache.delete(oldest);
        }
        return state;
      })
      .finally(() => inFlight.delete(userId));
    inFlight.set(userId, read);
    return read;
  };

  return async (userId, tokenVersion) => {
    const state = await stateOf(userId);
    if (!state || state.disabled || tokenVersion < state.tokenVersion) return "ended";
    return state.role;
  };
}
