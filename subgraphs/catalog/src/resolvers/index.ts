import type { Resolvers } from "../generated/resolvers";
import { Mutation } from "./mutation";
import { Product } from "./product";
import { Query } from "./query";

export const resolvers: Resolvers = { Query, Mutation, Product };
