import { GraphQLUpload } from "@fedplat/runtime";
import { scalarResolvers } from "@fedplat/subgraph";
import type { Resolvers } from "../generated/resolvers";
import { Mutation } from "./mutation";
import { Product } from "./product";
import { Query } from "./query";

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Upload: GraphQLUpload,
  Query,
  Mutation,
  Product,
  AuditEvent: { actorKind: (event) => (event.actorKind === "apiKey" ? "API_KEY" : "USER") },
};
