import { type FederationCase, startFederationCase } from "./federationCase";

/*
 * Audit case keys-mashup #0. `shelves` declares a non-resolvable key before its resolvable one;
 * after fetching the @requires field from `catalog`, the planner must come back into `shelves`
 * with the resolvable key (stock @apollo/query-planner 2.14 sends the first locally satisfiable
 * key, so `shelves` cannot find the item and `label` fails). Fixed by patches/@apollo+query-graphs.
 */
const items = [
  { id: "1", sku: "sku-1", title: "Lamp" },
  { id: "2", sku: "sku-2", title: "Desk" },
];
const byId = (id: string) => items.find((item) => item.id === id);

let federation: FederationCase;

beforeAll(async () => {
  federation = await startFederationCase([
    {
      name: "catalog",
      typeDefs: /* GraphQL */ `
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
        type Item @key(fields: "id") @key(fields: "sku", resolvable: false) {
          id: ID!
          sku: ID!
          title: String!
        }
      `,
      resolvers: { Item: { __resolveReference: (ref: { id: string }) => byId(ref.id) ?? null } },
    },
    {
      name: "shelves",
      typeDefs: /* GraphQL */ `
        extend schema
          @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@external", "@requires"])
        type Query {
          shelf: Shelf
        }
        type Shelf {
          items: [Item!]!
        }
        type Item @key(fields: "sku", resolvable: false) @key(fields: "id") {
          id: ID!
          sku: ID!
          title: String! @external
          label: String! @requires(fields: "title")
        }
      `,
      resolvers: {
        Query: { shelf: () => ({ items: items.map(({ id, sku }) => ({ id, sku })) }) },
        Item: {
          // Only the resolvable key (id) finds an item here.
          __resolveReference: (ref: { id?: string; title?: string }) => {
            const item = ref.id ? byId(ref.id) : undefined;
            return item ? { id: item.id, sku: item.sku, title: ref.title } : null;
          },
          label: (item: { title?: string }) => {
            if (!item.title) throw new Error("Item.title was not provided");
            return `shelf: ${item.title}`;
          },
        },
      },
    },
  ]);
});

afterAll(async () => {
  await federation?.stop();
});

test("a @requires field is fetched back with the subgraph's resolvable key", async () => {
  const response = await federation.query("{ shelf { items { id title label } } }");
  expect(response.errors).toBeUndefined();
  expect(response.data).toEqual({
    shelf: {
      items: [
        { id: "1", title: "Lamp", label: "shelf: Lamp" },
        { id: "2", title: "Desk", label: "shelf: Desk" },
      ],
    },
  });
});
