import { GraphQLError } from "graphql";
import { type FederationCase, startFederationCase } from "./federation/federationCase";
import { APOLLO_CLIENT_ACCEPT, allParts as allPartsOf, openOperation } from "./incrementalResponse";

/*
 * @defer through the gateway (docs/defer.md): three small subgraphs, the deferred fragments
 * fetched from the ones that do not own the root field, read as a client does
 * (multipart/mixed; deferSpec=20220824).
 */

const products = [
  { id: "1", name: "Lamp" },
  { id: "2", name: "Desk" },
];
const reviewsOf: Record<string, Array<{ body: string; authorId: string }>> = {
  "1": [{ body: "Bright", authorId: "u1" }],
  "2": [{ body: "Sturdy", authorId: "u2" }],
};
const users: Record<string, string> = { u1: "Ada", u2: "Grace" };

/** Ratings wait for `release()`: a test sees what arrives before the reviews subgraph has answered. */
let ratingsGate: Promise<void> = Promise.resolve();
let release: () => void = () => undefined;
function holdRatings(): void {
  ratingsGate = new Promise((resolve) => {
    release = resolve;
  });
}

let federation: FederationCase;

beforeAll(async () => {
  federation = await startFederationCase([
    {
      name: "products",
      typeDefs: /* GraphQL */ `
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
        type Query {
          products: [Product!]!
        }
        type Product @key(fields: "id") {
          id: ID!
          name: String!
        }
      `,
      resolvers: {
        Query: { products: () => products },
        Product: { __resolveReference: (ref: { id: string }) => products.find(({ id }) => id === ref.id) ?? null },
      },
    },
    {
      name: "reviews",
      typeDefs: /* GraphQL */ `
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
        type Product @key(fields: "id") {
          id: ID!
          rating: Float
          "Fails for product 2."
          verdict: String
          "Null (an error) for product 2, on a non-null field."
          summary: String!
          reviews: [Review!]!
        }
        type Review {
          body: String!
          author: User!
        }
        type User @key(fields: "id", resolvable: false) {
          id: ID!
        }
      `,
      resolvers: {
        Product: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          rating: async ({ id }: { id: string }) => {
            await ratingsGate;
            return id === "1" ? 4.5 : 3;
          },
          verdict: ({ id }: { id: string }) => {
            if (id === "2") throw new GraphQLError("no verdict yet", { extensions: { code: "NOT_FOUND" } });
            return "good";
          },
          summary: ({ id }: { id: string }) => (id === "2" ? null : "fine"),
          reviews: ({ id }: { id: string }) =>
            (reviewsOf[id] ?? []).map(({ body, authorId }) => ({ body, author: { id: authorId } })),
        },
      },
    },
    {
      name: "users",
      typeDefs: /* GraphQL */ `
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
        type User @key(fields: "id") {
          id: ID!
          name: String!
        }
      `,
      resolvers: { User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: users[ref.id] }) } },
    },
  ]);
});

afterAll(async () => {
  release();
  await federation?.stop();
});

const open = async (query: string, accept = APOLLO_CLIENT_ACCEPT) => {
  const { status, headers, parts } = await openOperation(federation.url, query, { accept });
  return { status, contentType: headers.get("content-type") ?? "", parts };
};
const allParts = (query: string, variables: Record<string, unknown> = {}) =>
  allPartsOf(federation.url, query, {}, variables);

test("a deferred entity field from another subgraph comes as a later part, with its path and label", async () => {
  holdRatings();
  const { status, contentType, parts } = await open(/* GraphQL */ `
    {
      products {
        id
        name
        ... @defer(label: "ratings") {
          rating
        }
      }
    }
  `);
  expect(status).toBe(200);
  expect(contentType).toMatch(/^multipart\/mixed; boundary="-"; deferSpec=20220824/);
  // The first part arrives while the reviews subgraph still holds the ratings.
  expect((await parts.next()).value).toEqual({
    data: {
      products: [
        { id: "1", name: "Lamp" },
        { id: "2", name: "Desk" },
      ],
    },
    hasNext: true,
  });
  release();
  expect((await parts.next()).value).toEqual({
    incremental: [
      { data: { rating: 4.5 }, path: ["products", 0], label: "ratings" },
      { data: { rating: 3 }, path: ["products", 1], label: "ratings" },
    ],
    hasNext: false,
  });
  expect((await parts.next()).done).toBe(true);
});

test("nested defers arrive in order, each after its parent; unlabelled ones carry no label", async () => {
  const parts = await allParts(/* GraphQL */ `
    {
      products {
        id
        ... @defer {
          reviews {
            body
            ... @defer(label: "author") {
              author {
                name
              }
            }
          }
        }
      }
    }
  `);
  expect(parts).toEqual([
    { data: { products: [{ id: "1" }, { id: "2" }] }, hasNext: true },
    {
      incremental: [
        { data: { reviews: [{ body: "Bright" }] }, path: ["products", 0] },
        { data: { reviews: [{ body: "Sturdy" }] }, path: ["products", 1] },
      ],
      hasNext: true,
    },
    {
      incremental: [
        { data: { author: { name: "Ada" } }, path: ["products", 0, "reviews", 0], label: "author" },
        { data: { author: { name: "Grace" } }, path: ["products", 1, "reviews", 0], label: "author" },
      ],
      hasNext: false,
    },
  ]);
});

test("an error in a deferred part is reported in that part, at the field's path; the first part has none", async () => {
  const parts = await allParts(/* GraphQL */ `
    {
      products {
        id
        ... @defer(label: "verdict") {
          verdict
        }
      }
    }
  `);
  expect(parts[0]).toEqual({ data: { products: [{ id: "1" }, { id: "2" }] }, hasNext: true });
  const { incremental } = parts[1] as { incremental: Array<Record<string, unknown>> };
  expect(incremental.map(({ data, path }) => ({ data, path }))).toEqual([
    { data: { verdict: "good" }, path: ["products", 0] },
    { data: { verdict: null }, path: ["products", 1] },
  ]);
  expect(incremental[0]?.errors).toEqual([
    expect.objectContaining({
      message: "no verdict yet",
      path: ["products", 1, "verdict"],
      extensions: expect.objectContaining({ code: "NOT_FOUND" }),
    }),
  ]);
  expect(parts[1]?.hasNext).toBe(false);
});

test("a null non-null field nulls its deferred part, never the data already sent", async () => {
  const parts = await allParts(/* GraphQL */ `
    {
      products {
        id
        ... @defer(label: "summary") {
          summary
        }
      }
    }
  `);
  expect(parts[0]).toEqual({ data: { products: [{ id: "1" }, { id: "2" }] }, hasNext: true });
  const { incremental } = parts[1] as { incremental: Array<Record<string, unknown>> };
  expect(incremental.map(({ data, path }) => ({ data, path }))).toEqual([
    { data: { summary: "fine" }, path: ["products", 0] },
    { data: null, path: ["products", 1] },
  ]);
  expect(JSON.stringify(incremental.map(({ errors }) => errors))).toContain("products");
});

test("a client that does not accept multipart gets one whole response", async () => {
  for (const accept of ["application/json", "multipart/mixed;incrementalSpec=v0.2,application/json;q=0.9"]) {
    const { status, contentType, parts } = await open(
      /* GraphQL */ `
        {
          products {
            id
            ... @defer {
              name
              rating
            }
          }
        }
      `,
      accept,
    );
    expect(status).toBe(200);
    expect(contentType).toMatch(/^application\/json/);
    expect((await parts.next()).value).toEqual({
      data: {
        products: [
          { id: "1", name: "Lamp", rating: 4.5 },
          { id: "2", name: "Desk", rating: 3 },
        ],
      },
    });
  }
});

test("a defer whose `if` is false is answered inline, in the first part", async () => {
  const parts = await allParts(/* GraphQL */ `
    {
      products {
        id
        ... @defer(if: false) {
          name
        }
      }
    }
  `);
  expect(parts).toEqual([
    {
      data: {
        products: [
          { id: "1", name: "Lamp" },
          { id: "2", name: "Desk" },
        ],
      },
    },
  ]);
});

test("a label used twice is refused before anything runs", async () => {
  const [answer] = await allParts(/* GraphQL */ `
    {
      products {
        ... @defer(label: "x") {
          name
        }
        ... @defer(label: "x") {
          rating
        }
      }
    }
  `);
  expect(answer).toMatchObject({
    errors: [
      {
        message: '@defer\'s label "x" is used more than once.',
        extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
      },
    ],
  });
});

test("`if: $variable` decides per request whether a fragment is deferred; named fragments defer too", async () => {
  const query = /* GraphQL */ `
    query Ratings($later: Boolean!) {
      products {
        id
        ...Rating @defer(if: $later, label: "rating")
      }
    }
    fragment Rating on Product {
      rating
    }
  `;
  expect(await allParts(query, { later: true })).toEqual([
    { data: { products: [{ id: "1" }, { id: "2" }] }, hasNext: true },
    {
      incremental: [
        { data: { rating: 4.5 }, path: ["products", 0], label: "rating" },
        { data: { rating: 3 }, path: ["products", 1], label: "rating" },
      ],
      hasNext: false,
    },
  ]);
  expect(await allParts(query, { later: false })).toEqual([
    {
      data: {
        products: [
          { id: "1", rating: 4.5 },
          { id: "2", rating: 3 },
        ],
      },
    },
  ]);
});

test("the limits see deferred fragments: each @defer counts against maxDirectives", async () => {
  const fragments = Array.from({ length: 51 }, (_, i) => `... @defer(label: "d${i}") { id }`).join(" ");
  const [answer] = await allParts(`{ products { ${fragments} } }`);
  expect(answer).toMatchObject({
    errors: [{ message: expect.stringContaining("Directives limit of 50 exceeded") }],
  });
});

test("a client that leaves after the first part does not disturb the gateway: the next request is served", async () => {
  holdRatings();
  const controller = new AbortController();
  const response = await fetch(federation.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: APOLLO_CLIENT_ACCEPT },
    body: JSON.stringify({ query: "{ products { id ... @defer { rating } } }" }),
    signal: controller.signal,
  });
  const reader = response.body?.getReader();
  expect(new TextDecoder().decode((await reader?.read())?.value)).toContain('"hasNext":true');
  controller.abort();
  release();
  expect((await federation.query("{ products { id rating } }")).data).toEqual({
    products: [
      { id: "1", rating: 4.5 },
      { id: "2", rating: 3 },
    ],
  });
});
