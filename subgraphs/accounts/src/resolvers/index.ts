import { scalarResolvers } from "@fedplat/subgraph";
import type { Resolvers } from "../generated/resolvers";
import { Mutation } from "./mutation";
import { Query } from "./query";
import { User } from "./user";

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query,
  Mutation,
  User,
  AuditEvent: { actorKind: (event) => (event.actorKind === "apiKey" ? "API_KEY" : "USER") },
};
