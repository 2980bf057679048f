import { randomUUID } from "node:crypto";
import { defaultLimits } from "../src";
import { type FederationCase, startFederationCase } from "./federation/federationCase";

/*
 * Progressive @override (federation 2.7): `pricing` takes Product.price over from `legacy` for
 * percent(50) of requests and Product.rating for requests with the custom label `beta` on.
 * Each subgraph answers with its own name, so a response shows which side served it.
 */
const products = [{ id: "1" }, { id: "2" }];
const SERVED_BY_LEGACY = { price: "legacy", rating: "legacy" };
const SERVED_BY_PRICING = { price: "pricing", rating: "pricing" };

let federation: FederationCase;

beforeAll(async () => {
  federation = await startFederationCase(
    [
      {
        name: "legacy",
        typeDefs: /* GraphQL */ `
          extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
          type Query {
            products: [Product!]!
          }
          type Product @key(fields: "id") {
            id: ID!
            price: String!
            rating: String!
          }
        `,
        resolvers: {
          Query: { products: () => products },
          Product: { __resolveReference: (ref: { id: string }) => ref, ...fieldsServedBy(SERVED_BY_LEGACY) },
        },
      },
      {
        name: "pricing",
        typeDefs: /* GraphQL */ `
          extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override"])
          type Product @key(fields: "id") {
            id: ID!
            price: String! @override(from: "legacy", label: "percent(50)")
            rating: String! @override(from: "legacy", label: "beta")
          }
        `,
        resolvers: {
          Product: { __resolveReference: (ref: { id: string }) => ref, ...fieldsServedBy(SERVED_BY_PRICING) },
        },
      },
    ],
    {
      progressiveOverride: { labels: { beta: true }, header: "x-override-labels" },
      // 400+ anonymous requests in a minute: above the default anonymous budget.
      limits: {
        ...defaultLimits,
        rate: {
          ...defaultLimits.rate,
          anonymousPerMinute: 10_000,
          ipPerMinute: 10_000,
          keyPrefix: `test:${randomUUID()}`,
        },
      },
    },
  );
});

afterAll(() => federation.stop());

function fieldsServedBy(served: Record<string, string>) {
  return Object.fromEntries(Object.entries(served).map(([field, by]) => [field, () => by]));
}

async function servedBy(field: "price" | "rating", headers: Record<string, string> = {}): Promise<string> {
  const response = await federation.query(`{ products { id ${field} } }`, {}, headers);
  expect(response.errors).toBeUndefined();
  const products = (response.data?.products ?? []) as Array<Record<string, string>>;
  expect(products).toHaveLength(2);
  const sides = new Set(products.map((product) => product[field]));
  expect(sides.size).toBe(1); // one plan per request: every product from the same side
  return [...sides][0] as string;
}

describe("progressive @override", () => {
  it("splits percent(50) traffic between both subgraphs in about that proportion", async () => {
    const counts = { legacy: 0, pricing: 0 };
    for (let batch = 0; batch < 20; batch++) {
      const sides = await Promise.all(Array.from({ length: 20 }, () => servedBy("price")));
      for (const side of sides) counts[side as keyof typeof counts]++;
    }
    // 400 requests at p = 0.5: the standard deviation is 10, so 140..260 is six of them each way.
    expect(counts.pricing).toBeGreaterThanOrEqual(140);
    expect(counts.pricing).toBeLessThanOrEqual(260);
    expect(counts.legacy + counts.pricing).toBe(400);
  });

  it("lets the configured header force either side, with a plan cached per set of labels", async () => {
    for (let i = 0; i < 10; i++) {
      expect(await servedBy("price", { "x-override-labels": "percent(50)" })).toBe("pricing");
      expect(await servedBy("price", { "x-override-labels": "!percent(50)" })).toBe("legacy");
    }
  });

  it("applies custom labels from configuration, and the header overrules them per request", async () => {
    expect(await servedBy("rating")).toBe("pricing");
    expect(await servedBy("rating", { "x-override-labels": "!beta" })).toBe("legacy");
    expect(await servedBy("rating", { "x-override-labels": "beta" })).toBe("pricing");
  });
});
