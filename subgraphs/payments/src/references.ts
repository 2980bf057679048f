/** An Order owned by the orders subgraph; payments knows only its id. */
export interface OrderReference {
  __typename?: "Order";
  id: string;
}
