import type { OrderLineResolvers, OrderResolvers } from "../generated/resolvers";

export const Order: OrderResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.order.load(id),
  customer: (order) => ({ __typename: "User", id: order.customerId }),
  lines: (order, _args, { loaders }) => loaders.lines.load(order.id),
};

export const OrderLine: OrderLineResolvers = {
  product: (line) => ({ __typename: "Product", id: line.productId }),
};
