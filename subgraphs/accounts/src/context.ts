import { type BaseContext, createByIdLoader } from "@fedplat/subgraph";
import type { AccountsPrisma } from "./db";
import type { AccountsSettings } from "./settings";

export interface AccountsContext extends BaseContext {
  prisma: AccountsPrisma;
  settings: AccountsSettings;
  loaders: ReturnType<typeof createLoaders>;
}

function createLoaders(prisma: AccountsPrisma) {
  return {
    user: createByIdLoader((ids) => prisma.user.findMany({ where: { id: { in: ids } } })),
  };
}

/** Per request: fresh loaders, so batching and caching never cross requests. */
export function contextFactory(prisma: AccountsPrisma, settings: AccountsSettings) {
  return (base: BaseContext): AccountsContext => ({ ...base, prisma, settings, loaders: createLoaders(prisma) });
}
