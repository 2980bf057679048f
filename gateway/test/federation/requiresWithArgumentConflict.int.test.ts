import { type FederationCase, startFederationCase } from "./federationCase";

/*
 * Audit case requires-with-argument-conflict #0. Two fields of `shipping` require the same field
 * with different arguments (`price(currency: "USD")` and `price(currency: "EUR")`). Stock
 * @apollo/query-planner 2.14 fetches `price` once, with one of the two arguments, and both
 * estimates use that price (https://github.com/apollographql/federation/issues/2276). Fixed by
 * aliasing each @requires field and sending conflicting requirements in separate fetches
 * (patches/@apollo+query-graphs, @apollo+query-planner, @apollo+gateway).
 */
const products = [
  { upc: "p1", name: "Kettle", weight: 2, prices: { USD: 30, EUR: 27 } },
  { upc: "p2", name: "Toaster", weight: 3, prices: { USD: 0, EUR: 45 } },
];

let federation: FederationCase;

beforeAll(async () => {
  federation = await startFederationCase([
    {
      name: "pricing",
      typeDefs: /* GraphQL */ `
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
        type Query {
          products: [Product]
        }
        type Product @key(fields: "upc") {
          upc: String!
          name: String
          weight: Int
          price(currency: String!): Int
        }
      `,
      resolvers: {
        Query: { products: () => products },
        Product: {
          __resolveReference: (ref: { upc: string }) => products.find((p) => p.upc === ref.upc) ?? null,
          price: (product: (typeof products)[number], { currency }: { currency: "USD" | "EUR" }) =>
            product.prices[currency],
        },
      },
    },
    {
      name: "shipping",
      typeDefs: /* GraphQL */ `
        extend schema
          @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])
        type Product @key(fields: "upc") {
          upc: String!
          weight: Int @external
          price(currency: String!): Int @external
          shippingUSD: Int @requires(fields: "price(currency: \\"USD\\") weight")
          shippingEUR: Int @requires(fields: "price(currency: \\"EUR\\") weight")
        }
      `,
      resolvers: {
        Product: {
          // The representation carries one price: the one this field's @requires asked for.
          shippingUSD: (p: { price: number; weight: number }) => p.price * p.weight + 1,
          shippingEUR: (p: { price: number; weight: number }) => p.price * p.weight + 2,
        },
      },
    },
  ]);
});

afterAll(async () => {
  await federation?.stop();
});

test("two @requires of one field with different arguments each get their own value", async () => {
  const response = await federation.query("{ products { upc name shippingUSD shippingEUR } }");
  expect(response.errors).toBeUndefined();
  expect(response.data).toEqual({
    products: [
      { upc: "p1", name: "Kettle", shippingUSD: 61, shippingEUR: 56 },
      // A price of 0 reaches the subgraph too (it is renamed like any other value).
      { upc: "p2", name: "Toaster", shippingUSD: 1, shippingEUR: 137 },
    ],
  });
});

test("the client's own selection of the field keeps its arguments", async () => {
  const response = await federation.query('{ products { price(currency: "EUR") shippingUSD } }');
  expect(response.errors).toBeUndefined();
  expect(response.data).toEqual({
    products: [
      { price: 27, shippingUSD: 61 },
      { price: 45, shippingUSD: 1 },
    ],
  });
});
