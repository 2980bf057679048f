import { badInput } from "@fedplat/runtime";
import { paginate } from "@fedplat/subgraph";
import type { Prisma } from "../generated/prisma/client";
import { auditLogPage } from "../audit";
import type { QueryResolvers } from "../generated/resolvers";

const MAX_SEARCH_LENGTH = 100;

function searchFilter(search: string | null | undefined): Prisma.ProductWhereInput {
  const term = search?.trim();
  if (!term) return {};
  if (term.length > MAX_SEARCH_LENGTH)
    throw badInput(`"search" must be at most ${MAX_SEARCH_LENGTH} characters`, "search");
  // Prisma passes `contains` to ILIKE unescaped: escape LIKE's wildcards so "%" matches only "%".
  const literal = term.replace(/[\\%_]/g, (c) => `\\${c}`);
  return {
    OR: [{ name: { contains: literal, mode: "insensitive" } }, { sku: { contains: literal, mode: "insensitive" } }],
  };
}

export const Query: QueryResolvers = {
  product: (_parent, { id }, { loaders }) => loaders.product.load(id),

  // Who may call it: permissions.ts (admins).
  catalogAuditLog: (_parent, args, { prisma }) => auditLogPage(prisma, args),

  products: (_parent, { first, after, search }, { prisma }) => {
    const where = searchFilter(search);
    return paginate(
      { first, after },
      (page) => prisma.product.findMany({ ...page, where, orderBy: [{ name: "asc" }, { id: "asc" }] }),
      () => prisma.product.count({ where }),
    );
  },
};
