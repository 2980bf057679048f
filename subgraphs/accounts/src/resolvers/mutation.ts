import { randomUUID } from "node:crypto";
import { appError, badInput, ErrorCode, mapPrismaError, notFound, unauthenticated } from "@fedplat/runtime";
import { isUuid } from "@fedplat/subgraph";
import { requireViewer } from "@fedplat/auth";
import { hashRefreshToken, issueTokens } from "../auth/authPayload";
import { createLoginThrottle } from "../auth/loginThrottle";
import { hashPassword, verifyAgainstDummy, verifyPassword } from "../auth/passwords";
import { normalizeEmail, validateName, validatePassword } from "../auth/validation";
import type { AccountsContext } from "../context";
import type { User } from "../generated/prisma/client";
import type { MutationResolvers } from "../generated/resolvers";
import { audited } from "../audit";
import { apiKeyMutations } from "./apiKeys";
import { createEvent } from "@fedplat/events";
import { writeOutbox } from "@fedplat/event-store";

const MAX_PII_LENGTH = 200;

function piiValue(value: string | null | undefined, field: string): string | null | undefined {
  if (value === undefined || value === null) return value;
  const trimmed = value.trim();
  if (trimmed.length > MAX_PII_LENGTH) throw badInput(`${field}: must be at most ${MAX_PII_LENGTH} characters`, field);
  return trimmed || null;
}

/** A disabled user is told so, but only once they have shown the right password or a live refresh token. */
const accountDisabled = () => appError(ErrorCode.ACCOUNT_DISABLED, "This account is disabled; ask an administrator");

export const Mutation: MutationResolvers = {
  ...apiKeyMutations,

  updateProfile: async (_parent, { input }, context) => {
    const viewer = requireViewer(context);
    const { cipher } = context.settings;
    const phone = piiValue(input.phone, "phone");
    const address = piiValue(input.address, "address");
    return context.prisma.user
      .update({
        where: { id: viewer.id },
        data: {
          ...(input.name !== undefined && input.name !== null ? { name: validateName(input.name) } : {}),
          ...(phone !== undefined
            ? { phoneEncrypted: phone === null ? null : cipher.encrypt(phone, `${viewer.id}:phone`) }
            : {}),
          ...(address !== undefined
            ? { addressEncrypted: address === null ? null : cipher.encrypt(address, `${viewer.id}:address`) }
            : {}),
        },
      })
      .catch((error: unknown) => mapPrismaError(error, "User"));
  },

  setUserRole: (_parent, { userId, role }, context) =>
    audited(
      context,
      "setUserRole",
      userId.slice(0, 100),
      async (tx) => {
        const before = isUuid(userId)
          ? await tx.user.findUnique({ where: { id: userId }, select: { role: true } })
          : null;
        if (!before) throw notFound("User");
        const user = await tx.user
          .update({ where: { id: userId }, data: { role } })
          .catch((error: unknown) => mapPrismaError(error, "User"));
        return { user, from: before.role };
      },
      ({ from }) => ({ detail: `${from} -> ${role}` }),
    ).then(({ user }) => user),

  // The same answer, and the same work (one argon2 hash, one insert attempt, one event), whether
  // or not the email already has an account, so register never tells anyone which emails do:
  // the owner of an existing account is told by the notifications service instead.
  register: async (_parent, { input }, context) => {
    const email = normalizeEmail(input.email);
    const name = validateName(input.name);
    const passwordHash = await hashPassword(validatePassword(input.password));
    await context.prisma.$transaction(async (tx) => {
      const id = randomUUID();
      const { count } = await tx.user.createMany({ data: [{ id, email, name, passwordHash }], skipDuplicates: true });
      if (count === 1)
        return writeOutbox(tx, [createEvent("user.registered", { userId: id, email, name }, { producer: "accounts" })]);
      const owner = await tx.user.findUnique({ where: { email }, select: { id: true } });
      if (owner)
        await writeOutbox(tx, [
          createEvent(
            "user.registration_attempted",
            { userId: owner.id, at: new Date().toISOString() },
            { producer: "accounts" },
          ),
        ]);
    });
    return {
      email,
      message:
        "If this email can be registered, its account is ready: log in with your password. If it already had an account, its owner has been told by email.",
    };
  },

  login: async (_parent, { email, password }, context) => {
    const attempt = await createLoginThrottle(context.prisma, context.settings.loginThrottle).begin(
      email.trim().toLowerCase(),
    );
    const user = await context.prisma.user.findUnique({ where: { email: email.trim().toLowerCase() } });
    const valid = user ? await verifyPassword(user.passwordHash, password) : await verifyAgainstDummy(password);
    if (!user || !valid) {
      await attempt.failed();
      throw unauthenticated("Invalid email or password");
    }
    await attempt.succeeded();
    if (user.disabledAt) throw accountDisabled();
    // The last-login time is updated by this service's consumer of user.authenticated.
    await writeOutbox(context.prisma, [
      createEvent("user.authenticated", { userId: user.id, at: new Date().toISOString() }, { producer: "accounts" }),
    ]);
    return issueTokens(context, user);
  },

  refreshToken: async (_parent, { token }, context) => {
    const stored = await context.prisma.refreshToken.findUnique({
      where: { tokenHash: hashRefreshToken(token) },
      include: { user: true },
    });
    if (!stored || stored.expiresAt <= new Date()) throw unauthenticated("Invalid refresh token");
    if (stored.revokedAt) {
      // A revoked token presented again means it leaked: revoke the whole family.
      await context.prisma.refreshToken.updateMany({
        where: { userId: stored.userId, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      throw unauthenticated("Invalid refresh token");
    }
    // Rotation: the presented token is spent whether or not the caller uses the new one.
    const { count } = await context.prisma.refreshToken.updateMany({
      where: { id: stored.id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (count === 0) throw unauthenticated("Invalid refresh token");
    if (stored.user.disabledAt) throw accountDisabled();
    return issueTokens(context, stored.user);
  },

  // Every session of the user: refresh tokens now, access tokens (older token version) at every
  // gateway within its session cache time (SESSION_CHECK_MS, <= 5 s).
  logout: async (_parent, _args, context) => {
    const viewer = requireViewer(context);
    await endSessions(context.prisma, viewer.id);
    return true;
  },

  changePassword: async (_parent, { currentPassword, newPassword }, context) => {
    const viewer = requireViewer(context);
    const validNewPassword = validatePassword(newPassword, "newPassword");
    const user = await context.prisma.user.findUnique({ where: { id: viewer.id } });
    if (!user) throw unauthenticated();
    // A stolen access token must not be a way around the login throttle to guess the password.
    const attempt = await createLoginThrottle(context.prisma, context.settings.loginThrottle).begin(user.email);
    if (!(await verifyPassword(user.passwordHash, currentPassword))) {
      await attempt.failed();
      throw badInput("currentPassword: incorrect", "currentPassword");
    }
    await attempt.succeeded();
    const updated = await endSessions(context.prisma, user.id, { passwordHash: await hashPassword(validNewPassword) });
    return issueTokens(context, updated);
  },

  setUserDisabled: (_parent, { id, disabled }, context) =>
    audited(
      context,
      "setUserDisabled",
      id.slice(0, 100),
      async (tx) => {
        if (id === requireViewer(context).id) throw badInput("id: an admin cannot disable their own account", "id");
        const before = isUuid(id) ? await tx.user.findUnique({ where: { id }, select: { disabledAt: true } }) : null;
        if (!before) throw notFound("User");
        if ((before.disabledAt !== null) === disabled) return tx.user.findUniqueOrThrow({ where: { id } }); // no change
        if (!disabled) return tx.user.update({ where: { id }, data: { disabledAt: null } });
        return endSessions(tx, id, { disabledAt: new Date() });
      },
      () => ({ detail: disabled ? "disabled" : "enabled" }),
    ),
};

type SessionWriter = Pick<AccountsContext["prisma"], "refreshToken" | "user">;

/**
 * Ends every session of a user (with `change` applied in the same step): revokes their refresh
 * tokens and bumps their token version, so every access token issued so far is refused.
 */
async function endSessions(
  prisma: AccountsContext["prisma"] | SessionWriter,
  userId: string,
  change: { passwordHash?: string; disabledAt?: Date } = {},
): Promise<User> {
  const run = async (tx: SessionWriter) => {
    await tx.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
    return tx.user.update({ where: { id: userId }, data: { ...change, tokenVersion: { increment: 1 } } });
  };
  return "$transaction" in prisma ? prisma.$transaction((tx) => run(tx)) : run(prisma);
}
