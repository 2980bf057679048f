import { badInput, forbidden, notFound } from "@fedplat/runtime";
import { isUuid } from "@fedplat/subgraph";
import { requireViewer } from "@fedplat/auth";
import { audited } from "../audit";
import { generateApiKey, hashApiKey, looksLikeApiKey } from "../auth/apiKeys";
import { effectiveKeyRole, isAbove } from "../auth/keyRole";
import type { MutationResolvers, QueryResolvers } from "../generated/resolvers";

/** Who may call these: permissions.ts (admins; apiKeyPrincipal only the gateway). */
export const apiKeyQueries: Pick<QueryResolvers, "apiKeys" | "apiKeyPrincipal"> = {
  apiKeys: (_parent, _args, { prisma }) => prisma.apiKey.findMany({ orderBy: { createdAt: "desc" } }),

  apiKeyPrincipal: async (_parent, { key }, { prisma }) => {
    if (!looksLikeApiKey(key)) return null;
    const apiKey = await prisma.apiKey.findUnique({ where: { keyHash: hashApiKey(key) } });
    if (!apiKey || apiKey.revokedAt || apiKey.expiresAt <= new Date()) return null;
    const role = await effectiveKeyRole(prisma, apiKey);
    if (!role) return null;
    await prisma.apiKey.update({ where: { id: apiKey.id }, data: { lastUsedAt: new Date() } });
    return { id: apiKey.id, role };
  },
};

export const apiKeyMutations: Pick<MutationResolvers, "createApiKey" | "revokeApiKey"> = {
  createApiKey: (_parent, { input }, context) =>
    audited(
      context,
      "createApiKey",
      null,
      async (tx) => {
        const admin = requireViewer(context);
        const name = input.name.trim();
        if (!name || name.length > 100) throw badInput("name: must be 1 to 100 characters", "name");
        const { apiKeyMaxDays } = context.settings;
        const latest = new Date(Date.now() + apiKeyMaxDays * 86_400_000);
        const expiresAt = input.expiresAt ?? latest;
        if (expiresAt <= new Date()) throw badInput("expiresAt: must be in the future", "expiresAt");
        if (expiresAt > latest)
          throw badInput(
            `expiresAt: an API key lives at most ${apiKeyMaxDays} days (API_KEY_MAX_DAYS): at the latest ${latest.toISOString()}`,
            "expiresAt",
          );
        // The creator's role NOW (the database's, not the one their token or key was issued with).
        const ceiling =
          admin.kind === "apiKey"
            ? await tx.apiKey
                .findUnique({ where: { id: admin.id } })
                .then((key) => (key ? effectiveKeyRole(tx, key) : null))
            : await tx.user
                .findUnique({ where: { id: admin.id }, select: { role: true, disabledAt: true } })
                .then((user) => (user && !user.disabledAt ? user.role : null));
        if (!ceiling || isAbove(input.role, ceiling))
          throw forbidden(`role: an API key cannot carry a role above its creator's (${ceiling ?? "none"})`);
        const { key, prefix, keyHash } = generateApiKey();
        const apiKey = await tx.apiKey.create({
          data: { name, role: input.role, keyHash, prefix, createdById: admin.id, expiresAt },
        });
        return { apiKey, key };
      },
      // The key's prefix tells keys apart; the key itself is never recorded.
      ({ apiKey }) => ({
        target: apiKey.id,
        detail: `role ${apiKey.role}, prefix ${apiKey.prefix}, expires ${apiKey.expiresAt.toISOString()}`,
      }),
    ),

  revokeApiKey: (_parent, { id }, context) =>
    audited(
      context,
      "revokeApiKey",
      id.slice(0, 100),
      async (tx) => {
        const existing = isUuid(id) ? await tx.apiKey.findUnique({ where: { id } }) : null;
        if (!existing) throw notFound("API key");
        if (existing.revokedAt) return { apiKey: existing, already: true }; // revoking twice changes nothing
        return { apiKey: await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } }), already: false };
      },
      ({ already }) => ({ detail: already ? "already revoked" : null }),
    ).then(({ apiKey }) => apiKey),
};
