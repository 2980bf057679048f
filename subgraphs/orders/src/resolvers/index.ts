import { scalarResolvers } from "@fedplat/subgraph";
import type { Resolvers } from "../generated/resolvers";
import { Mutation } from "./mutation";
import { Order, OrderLine } from "./order";
import { Query } from "./query";
import { User } from "./user";

export const resolvers: Resolvers = { ...scalarResolvers, Query, Mutation, Order, OrderLine, User };
