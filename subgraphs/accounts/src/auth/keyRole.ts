import type { Role } from "../generated/prisma/enums";
import type { AccountsPrisma } from "../db";

const RANK: Record<Role, number> = { CUSTOMER: 0, STAFF: 1, ADMIN: 2 };

/** The lower of two roles. */
export const lowerRole = (a: Role, b: Role): Role => (RANK[a] <= RANK[b] ? a : b);

/** True when `role` is above `ceiling`. */
export const isAbove = (role: Role, ceiling: Role): boolean => RANK[role] > RANK[ceiling];

/** The highest of this service's roles among a viewer's (other names are not accounts' roles); null when none. */
export const highestRole = (roles: readonly string[]): Role | null =>
  roles
    .filter((role): role is Role => Object.hasOwn(RANK, role))
    .reduce<Role | null>((best, role) => (best === null || RANK[role] > RANK[best] ? role : best), null);

/** Keys created by keys, followed at most this far (a longer chain acts with no role: refused). */
const MAX_CHAIN = 5;

/**
 * The role an API key acts with NOW: its own, capped by its creator's current role (a user, or
 * the key that created it, followed up the chain). A demoted creator's keys lose what the creator
 * lost; a disabled or deleted creator's keys stop (null).
 */
export async function effectiveKeyRole(
  prisma: Pick<AccountsPrisma, "user" | "apiKey">,
  key: { role: Role; createdById: string },
): Promise<Role | null> {
  let role = key.role;
  let creatorId = key.createdById;
  for (let hop = 0; hop < MAX_CHAIN; hop++) {
    const user = await prisma.user.findUnique({ where: { id: creatorId }, select: { role: true, disabledAt: true } });
    if (user) return user.disabledAt ? null : lowerRole(role, user.role);
    const parent = await prisma.apiKey.findUnique({
      where: { id: creatorId },
      select: { role: true, createdById: true },
    });
    if (!parent) return null;
    role = lowerRole(role, parent.role);
    creatorId = parent.createdById;
  }
  return null;
}
