import { badInput, isUuid, notFound, requireViewer } from "@fedplat/common";
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
  createApiKey: async (_parent, { input }, context) => {
    const admin = requireViewer(context);
    const name = input.name.trim();
    if (!name || name.length > 100) throw badInput("name: must be 1 to 100 characters", "name");
    if (input.expiresAt <= new Date()) throw badInput("expiresAt: must be in the future", "expiresAt");
    const { key, prefix, keyHash } = generateApiKey();
    const apiKey = await context.prisma.apiKey.create({ data: { name, role: input.role, keyHash, prefix, createdById: admin.id, expiresAt: input.expiresAt } });
    return { apiKey, key };
  },

  revokeApiKey: async (_parent, { id }, { prisma }) => {
    const existing = isUuid(id) ? await prisma.apiKey.findUnique({ where: { id } }) : null;
    if (!existing) throw notFound("API key");
    if (existing.revokedAt) return existing; // revoking twice changes nothing
    return prisma.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
  },
};
