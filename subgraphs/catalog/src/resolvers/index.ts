import type { Resolvers } from "../generated/resolvers";
import { Product } from "./product";
import { Query } from "./query";

export const resolvers: Resolvers = { Query, Product };
