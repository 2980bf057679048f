import { readFileSync } from "node:fs";
import { join } from "node:path";
import { composeServices } from "@apollo/composition";
import { repoRoot } from "@fedplat/devkit";
import { parse } from "graphql";
import { actualCost, type CostModel, createCostModel, estimateCost } from "../../src";

/** Two subgraphs with every kind of cost metadata, composed as `npm run compose` does. */
function composedModel(): CostModel {
  const shop = parse(/* GraphQL */ `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost", "@listSize"])
    type Query {
      products(first: Int = 20, last: Int): ProductConnection!
        @listSize(slicingArguments: ["first", "last"], sizedFields: ["edges"])
      search(text: String! @cost(weight: 7)): [Product!]! @listSize(assumedSize: 5)
      tags: [String!]!
      anything: [Thing!]! @listSize(assumedSize: 2)
      page(size: Int): [Product!]! @listSize(slicingArguments: ["size"], requireOneSlicingArgument: false, assumedSize: 4)
    }
    type Mutation { rate(input: RateInput!): Product }
    input RateInput { productId: ID! comment: String @cost(weight: 3) }
    type ProductConnection { edges: [ProductEdge!]! @listSize(assumedSize: 100) totalCount: Int! @cost(weight: 5) }
    type ProductEdge { node: Product! }
    type Product @key(fields: "id") { id: ID! name: String! }
    union Thing = Product | Review
    type Review { id: ID! body: String! author: Reviewer! }
    type Reviewer { id: ID! }
  `);
  const stock = parse(/* GraphQL */ `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost"])
    type Product @key(fields: "id") { id: ID! stock: Int! @cost(weight: 2) }
  `);
  const result = composeServices([
    { name: "shop", url: "http://shop/graphql", typeDefs: shop },
    { name: "stock", url: "http://stock/graphql", typeDefs: stock },
  ]);
  if (result.errors) throw new Error(result.errors.map((error) => error.message).join("\n"));
  return createCostModel(result.supergraphSdl, { defaultListSize: 10 });
}

const model = composedModel();
const estimate = (query: string, variables?: Record<string, unknown>, operationName?: string) =>
  estimateCost(model, { document: parse(query), variables, operationName });

describe("estimateCost", () => {
  it("counts objects 1 and scalars 0, multiplies a connection's edges by its slicing argument", () => {
    // products 1 + 20 edges x (edge 1 + node 1)
    expect(estimate(/* GraphQL */ "{ products { edges { node { id name } } } }")).toBe(41);
    expect(estimate(/* GraphQL */ "{ products(first: 100) { edges { node { id } } } }")).toBe(201);
    expect(estimate(/* GraphQL */ "query($n: Int) { products(first: $n) { edges { node { id } } } }", { n: 3 })).toBe(
      7,
    );
  });

  it("adds @cost of fields (in any subgraph), arguments and input fields; a mutation costs 10 more", () => {
    expect(estimate(/* GraphQL */ "{ products(first: 2) { totalCount edges { node { stock } } } }")).toBe(
      1 + 5 + 2 * (1 + 1 + 2),
    );
    expect(estimate(/* GraphQL */ '{ search(text: "x") { id } }')).toBe(5 * 1 + 7);
    expect(estimate(/* GraphQL */ 'mutation { rate(input: { productId: "1", comment: "ok" }) { id } }')).toBe(
      10 + 1 + 3,
    );
  });

  it("uses assumedSize, then the default list size; leaf lists cost nothing", () => {
    expect(estimate(/* GraphQL */ "{ page { id } }")).toBe(4);
    expect(estimate(/* GraphQL */ "{ page(size: 30) { id } }")).toBe(30);
    expect(estimate(/* GraphQL */ "{ tags }")).toBe(0);
  });

  it("prices nested lists multiplied, the bomb armor's heuristic let through", () => {
    const bomb = /* GraphQL */ `{ products(first: 100) { edges { node { id } } } a: products(first: 100) { edges { node { stock } } } }`;
    expect(estimate(bomb)).toBe(201 + 1 + 100 * 4);
  });

  it("takes the costliest member of a union, and merges fields repeated through fragments and aliases", () => {
    // two items assumed, each 1 + the costlier member's selection (Review: author 1; Product: stock 2)
    expect(estimate(/* GraphQL */ "{ anything { ... on Review { author { id } } ... on Product { stock } } }")).toBe(
      2 * 3,
    );
    expect(
      estimate(
        /* GraphQL */ "{ products(first: 1) { edges { node { id } } } ...F } fragment F on Query { products(first: 1) { edges { node { name } } } }",
      ),
    ).toBe(3);
  });

  it("applies @skip and @include with their variables", () => {
    const query = /* GraphQL */ "query($skip: Boolean!) { products(first: 50) @skip(if: $skip) { totalCount } }";
    expect(estimate(query, { skip: true })).toBe(0);
    expect(estimate(query, { skip: false })).toBe(6);
  });

  it("requires exactly one slicing argument where @listSize says so (defaults count)", () => {
    expect(() => estimate(/* GraphQL */ "{ products(first: 1, last: 1) { totalCount } }")).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: "SLICING_ARGUMENT_REQUIRED" }) }),
    );
  });

  it("estimates a document without its variables (schema:check): defaults, then assumed sizes", () => {
    expect(estimate(/* GraphQL */ "query($n: Int!) { page(size: $n) { id } }")).toBe(4);
  });
});

describe("actualCost", () => {
  it("counts the items the response returned", () => {
    const document = parse(/* GraphQL */ "{ products(first: 50) { totalCount edges { node { id stock } } } }");
    const data = {
      products: { totalCount: 2, edges: [{ node: { id: "1", stock: 3 } }, { node: { id: "2", stock: 0 } }] },
    };
    expect(estimateCost(model, { document })).toBe(1 + 5 + 50 * 4);
    expect(actualCost(model, { document }, data)).toBe(1 + 5 + 2 * 4);
    expect(actualCost(model, { document }, { products: null })).toBe(0);
  });
});

describe("the platform's supergraph", () => {
  it("has a @listSize on every list field of the five services", () => {
    const sdl = readFileSync(join(repoRoot, "supergraph.graphql"), "utf8");
    const platform = createCostModel(sdl);
    const unsized: string[] = [];
    for (const type of Object.values(platform.schema.getTypeMap())) {
      if (type.name.startsWith("__") || !("getFields" in type) || !("getInterfaces" in type)) continue;
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        const listed = /^\[/.test(String(field.type).replace(/!$/, ""));
        const sized = [...platform.listSizes.values()].some((size) => size.sizedFields.includes(field.name));
        if (listed && !platform.listSizes.has(coordinate) && !sized) unsized.push(coordinate);
      }
    }
    expect(unsized).toEqual([]);
  });
});
