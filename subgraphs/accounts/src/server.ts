import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSubgraphServer, databaseCheck, type SubgraphDeps, type SubgraphServer } from "@fedplat/subgraph";
import type { FieldCipher } from "@fedplat/runtime";
import type { TokenSigningKey } from "@fedplat/auth";
import gql from "graphql-tag";
import { contextFactory } from "./context";
import type { AccountsPrisma } from "./db";
import { permissions } from "./permissions";
import { resolvers } from "./resolvers";
import type { LoginThrottlePolicy } from "./auth/loginThrottle";
import { type AccountsSettings, DEFAULT_API_KEY_MAX_DAYS, defaultLoginThrottle, defaultTokenTtls } from "./settings";

// From the package root, not __dirname: the same file whether this runs from src/ or from the compiled dist/.
export const typeDefs = gql(readFileSync(join(__dirname, "..", "src", "schema.graphql"), "utf8"));

export interface AccountsServerOptions extends SubgraphDeps<AccountsPrisma> {
  /** Signs the access tokens clients present to the gateway: a secret (no kid) or a key with its id (`kid`). */
  jwtSecret: string | TokenSigningKey;
  /** @default 90 */
  apiKeyMaxDays?: number;
  /** Seals phone numbers and addresses at rest. */
  cipher: FieldCipher;
  tokens?: Partial<Pick<AccountsSettings, "accessTokenTtlSeconds" | "refreshTokenTtlSeconds">>;
  /** @default defaultLoginThrottle */
  loginThrottle?: Partial<LoginThrottlePolicy>;
}

export function buildAccountsServer({
  tokens,
  loginThrottle,
  jwtSecret,
  cipher,
  apiKeyMaxDays,
  ...deps
}: AccountsServerOptions): Promise<SubgraphServer> {
  const settings: AccountsSettings = {
    ...defaultTokenTtls,
    ...tokens,
    signingKey: jwtSecret,
    apiKeyMaxDays: apiKeyMaxDays ?? DEFAULT_API_KEY_MAX_DAYS,
    cipher,
    loginThrottle: { ...defaultLoginThrottle, ...loginThrottle },
  };
  return buildSubgraphServer({
    ...deps,
    name: "accounts",
    typeDefs,
    resolvers,
    permissions,
    context: contextFactory(deps.prisma, settings),
    readiness: { database: databaseCheck(deps.prisma) },
  });
}
