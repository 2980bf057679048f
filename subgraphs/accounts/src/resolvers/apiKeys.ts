import { badInput, isUuid, notFound, requireViewer } from "@fedplat/common";
import { audited } from "../audit";
import { generateApiKey, hashApiKey, looksLikeApiKey } from "../auth/apiKeys";
import type { MutationResolvers, QueryResolvers } from "../generated/resolvers";

/** Who may call these: permissions.ts (admins; apiKeyPrincipal only the gateway). */
export const apiKeyQueries: Pick<QueryResolvers, "apiKeys" | "apiKeyPrincipal"> = {
  apiKeys: (_parent, _args, { prisma }) => prisma.apiKey.findMany({ orderBy: { createdAt: "desc" } }),

  apiKeyPrincipal: async (_parent, { key }, { prisma }) => {
    if (!looksLikeApiKey(key)) return null;
    const apiKey = await prisma.apiKey.findUnique({ where: { keyHash: hashApiKey(key) } });
    if (!apiKey || apiKey.revokedAt || apiKey.expiresAt <= new Date()) return null;
    await prisma.apiKey.update({ where: { id: apiKey.id }, data: { lastUsedAt: new Date() } });
    return { id: apiKey.id, role: apiKey.role };
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
        if (input.expiresAt <= new Date()) throw badInput("expiresAt: must be in the future", "expiresAt");
        const { key, prefix, keyHash } = generateApiKey();
        const apiKey = await tx.apiKey.create({ data: { name, role: input.role, keyHash, prefix, createdById: admin.id, expiresAt: input.expiresAt } });
        return { apiKey, key };
      },
      // The key's prefix tells keys apart; the key itself is never recorded.
      ({ apiKey }) => ({ target: apiKey.id, detail: `role ${apiKey.role}, prefix ${apiKey.prefix}, expires ${apiKey.expiresAt.toISOString()}` }),
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
