import { graphql } from "../generated";

export const ProductsDocument = graphql(`
  query Products($first: Int, $after: String, $search: String) {
    products(first: $first, after: $after, search: $search) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id sku name priceCents currency stock } }
    }
  }
`);

export const ProductDocument = graphql(`
  query Product($id: ID!) {
    product(id: $id) { id sku name description priceCents currency stock }
  }
`);
