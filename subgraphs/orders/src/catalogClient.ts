import { appError, ErrorCode } from "@fedplat/runtime";
import { callSubgraph, type SigningKey } from "@fedplat/auth";

export interface ProductPrice {
  id: string;
  priceCents: number;
  currency: string;
}

/** Where placeOrder reads current prices: catalog owns them, orders keeps a copy per line. */
export interface PriceSource {
  prices(productIds: string[]): Promise<Map<string, ProductPrice>>;
}

const ENTITIES_QUERY = /* GraphQL */ `
  query ProductPrices($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on Product { id priceCents currency } }
  }
`;

interface EntitiesResponse {
  data?: { _entities: Array<ProductPrice | null> };
  errors?: Array<{ message: string }>;
}

/**
 * Reads prices through catalog's federation entry point (`_entities`), the same read the
 * gateway performs: orders never touches catalog's tables. Signed with orders' own key
 * (ORDERS_SERVICE_KEY), which catalog lets read prices and nothing else.
 */
export function createCatalogClient(url: string, serviceKey: SigningKey, timeoutMs = 5_000): PriceSource {
  return {
    async prices(productIds) {
      let body: EntitiesResponse;
      try {
        body = await callSubgraph<EntitiesResponse>({
          url,
          query: ENTITIES_QUERY,
          variables: { representations: productIds.map((id) => ({ __typename: "Product", id })) },
          // Signed as the orders service, with no viewer: prices are public data.
          identity: { caller: { kind: "service", name: "orders" }, viewer: null },
          signingKey: serviceKey,
          audience: "catalog",
          timeoutMs,
        });
      } catch {
        throw appError(ErrorCode.SUBGRAPH_UNAVAILABLE, "The catalog is unavailable; try again shortly", {
          serviceName: "catalog",
        });
      }
      if (!body.data || body.errors?.length) {
        throw appError(ErrorCode.SUBGRAPH_UNAVAILABLE, "The catalog could not price this order", {
          serviceName: "catalog",
        });
      }
      return new Map(body.data._entities.filter((p): p is ProductPrice => p !== null).map((p) => [p.id, p]));
    },
  };
}
