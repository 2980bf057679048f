/**
 * The four subgraphs of the gateway benchmark's second workload, shaped like The Guild's public
 * federation gateway benchmark (graphql-hive/graphql-gateways-benchmark): accounts, inventory,
 * products and reviews, answering from data held in memory, generated here from a fixed seed so
 * every run (and every gateway) sees the same graph. Our own Apollo subgraphs: the benchmark's
 * are Rust; only the shape (types, keys, @requires, @provides, the query) is the same.
 */
import { composeServices } from "@apollo/composition";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper";
import { type DocumentNode, parse } from "graphql";

const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@provides", "@shareable"])`;

/** The heavy nested query of the workload (users and top products, four entity levels deep, across all four subgraphs). */
export const FOUR_SUBGRAPH_QUERY = /* GraphQL */ `fragment User on User { id username name }
fragment Review on Review { id body }
fragment Product on Product { inStock name price shippingEstimate upc weight }
query TestQuery {
  users { ...User reviews { ...Review product { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } } } }
  topProducts { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } }
}`;

interface User {
  id: string;
  name: string;
  username: string;
  birthday: number;
}
interface Product {
  upc: string;
  name: string;
  price: number;
  weight: number;
  inStock: boolean;
}
interface Review {
  id: string;
  body: string;
  productUpc: string;
  authorId: string;
}

/** mulberry32: a small seeded PRNG, so the data is the same in every process and run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const WORDS =
  "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo consequat".split(
    " ",
  );
const FIRST_NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald"];
const LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth"];
const PRODUCT_NAMES = ["Table", "Couch", "Glass", "Chair", "TV", "Lamp", "Grill", "Fridge", "Sofa"];

/** 6 users, 9 products (5 of them "top"), 11 reviews of the first 4 products by random authors: the benchmark's sizes. */
function generate() {
  const random = seeded(25);
  const pick = (n: number) => Math.floor(random() * n);
  const users: User[] = FIRST_NAMES.map((first, i) => ({
    id: String(i + 1),
    name: `${first} ${LAST_NAMES[i]}`,
    username: `${first.toLowerCase()}${i + 1}`,
    birthday: 1_234_567_890 + i * 86_400,
  }));
  const products: Product[] = PRODUCT_NAMES.map((name, i) => ({
    upc: String(i + 1),
    name,
    price: [899, 1299, 15, 499, 1299, 6999, 3999, 100_000, 9999][i] ?? 100,
    weight: 20 + pick(5_000),
    inStock: random() < 0.5,
  }));
  const reviews: Review[] = Array.from({ length: 11 }, (_, i) => ({
    id: String(i + 1),
    body: Array.from({ length: 20 + pick(100) }, () => WORDS[pick(WORDS.length)]).join(" "),
    productUpc: String(1 + (i < 4 ? 0 : pick(4))),
    authorId: String(1 + pick(users.length)),
  }));
  return { users, products, reviews };
}

const DATA = generate();
const userById = new Map(DATA.users.map((user) => [user.id, user]));
const productByUpc = new Map(DATA.products.map((product) => [product.upc, product]));
const reviewById = new Map(DATA.reviews.map((review) => [review.id, review]));

/** price and weight come from products (@requires); the rule is the benchmark's. */
function shippingEstimate(product: { price?: number | null; weight?: number | null }): number | null {
  if (product.price == null) return null;
  if (product.price > 1000) return 0;
  return product.weight == null ? null : Math.floor(product.weight / 2);
}

export interface BenchSubgraph {
  name: "accounts" | "inventory" | "products" | "reviews";
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<unknown>;
}

export const FOUR_SUBGRAPHS: readonly BenchSubgraph[] = [
  {
    name: "accounts",
    typeDefs: parse(`${LINK}
      type Query { me: User user(id: ID!): User users: [User] }
      type User @key(fields: "id") { id: ID! name: String username: String @shareable birthday: Int }`),
    resolvers: {
      Query: {
        me: () => DATA.users[0],
        user: (_: unknown, { id }: { id: string }) => userById.get(id) ?? null,
        users: () => DATA.users,
      },
      User: { __resolveReference: ({ id }: { id: string }) => userById.get(id) ?? null },
    },
  },
  {
    name: "inventory",
    typeDefs: parse(`${LINK}
      type Product @key(fields: "upc") {
        upc: String!
        weight: Int @external
        price: Int @external
        inStock: Boolean
        shippingEstimate: Int @requires(fields: "price weight")
      }`),
    resolvers: {
      Product: {
        __resolveReference: (reference: { upc: string; price?: number; weight?: number }) => ({
          ...reference,
          inStock: productByUpc.get(reference.upc)?.inStock ?? null,
        }),
        shippingEstimate,
      },
    },
  },
  {
    name: "products",
    typeDefs: parse(`${LINK}
      type Query { topProducts(first: Int = 5): [Product] }
      type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`),
    resolvers: {
      Query: { topProducts: (_: unknown, { first }: { first: number }) => DATA.products.slice(0, first) },
      Product: { __resolveReference: ({ upc }: { upc: string }) => productByUpc.get(upc) ?? null },
    },
  },
  {
    name: "reviews",
    typeDefs: parse(`${LINK}
      type Review @key(fields: "id") { id: ID! body: String product: Product author: User @provides(fields: "username") }
      type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] }
      type Product @key(fields: "upc") { upc: String! reviews: [Review] }`),
    resolvers: {
      Review: {
        __resolveReference: ({ id }: { id: string }) => reviewById.get(id) ?? null,
        product: (review: Review) => ({ upc: review.productUpc }),
        author: (review: Review) => {
          const author = userById.get(review.authorId);
          return author ? { id: author.id, username: author.username } : null;
        },
      },
      User: {
        __resolveReference: ({ id }: { id: string }) => ({ id }),
        reviews: ({ id }: { id: string }) => DATA.reviews.filter((review) => review.authorId === id),
      },
      Product: {
        __resolveReference: ({ upc }: { upc: string }) => ({ upc }),
        reviews: ({ upc }: { upc: string }) => DATA.reviews.filter((review) => review.productUpc === upc),
      },
    },
  },
];

/** The supergraph of the four subgraphs, each routed to `urls[name]`. */
export function composeFourSubgraphs(urls: Readonly<Record<string, string>>): string {
  const result = composeServices(
    FOUR_SUBGRAPHS.map(({ name, typeDefs }) => ({ name, typeDefs, url: urls[name] ?? "" })),
  );
  if (result.errors) throw new Error(`the four subgraphs do not compose: ${result.errors.join("; ")}`);
  return result.supergraphSdl;
}
