import { graphql } from "../generated";

export const PlaceOrderDocument = graphql(`
  mutation PlaceOrder($input: PlaceOrderInput!) {
    placeOrder(input: $input) {
      id
      status
      totalCents
      currency
      lines { quantity unitPriceCents product { id name } }
    }
  }
`);

/** An order with fields from orders, catalog and payments: what `follow` shows at each change. */
export const OrderDocument = graphql(`
  query Order($id: ID!) {
    order(id: $id) {
      id
      status
      totalCents
      currency
      updatedAt
      lines { quantity product { name } }
      payment { state attempts }
    }
  }
`);

/** The order's current state at once, then every change, with fields from orders, accounts, catalog and payments. */
export const OrderStatusChangedDocument = graphql(`
  subscription OrderStatusChanged($orderId: ID!) {
    orderStatusChanged(orderId: $orderId) {
      id
      status
      totalCents
      currency
      customer { email }
      lines { quantity product { name } }
      payment { state attempts }
    }
  }
`);

/**
 * The logged-in user at once (accounts), their recent orders (an entity field of the orders
 * subgraph) as a later part: read with `client.stream` (docs/defer.md).
 */
export const MyOrdersDocument = graphql(`
  query MyOrders {
    me {
      id
      email
      ... @defer(label: "orders") {
        orders(first: 5) { id status totalCents currency createdAt lines { quantity product { name } } }
      }
    }
  }
`);
