import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSubgraphServer, databaseCheck, type SubgraphDeps, type SubgraphServer } from "@fedplat/subgraph";
import gql from "graphql-tag";
import { contextFactory } from "./context";
import type { NotificationsPrisma } from "./db";
import { permissions } from "./permissions";
import { resolvers } from "./resolvers";

// From the package root, not __dirname: the same file whether this runs from src/ or from the compiled dist/.
export const typeDefs = gql(readFileSync(join(__dirname, "..", "src", "schema.graphql"), "utf8"));

export function buildNotificationsServer(deps: SubgraphDeps<NotificationsPrisma>): Promise<SubgraphServer> {
  return buildSubgraphServer({
    ...deps,
    name: "notifications",
    typeDefs,
    resolvers,
    permissions,
    context: contextFactory(deps.prisma),
    readiness: { database: databaseCheck(deps.prisma) },
  });
}
