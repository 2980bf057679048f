import { startTestSubgraph, type TestSubgraph } from "@fedplat/devkit";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "../src";

let subgraph: TestSubgraph<CatalogPrisma>;

beforeAll(async () => {
  subgraph = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer });
});
afterAll(() => subgraph?.stop());

type ProductPage = {
  products: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: Array<{
      cursor: string;
      node: { id: string; sku: string; name: string; priceCents: number; currency: string; stock: number };
    }>;
  };
};
const PRODUCTS = /* GraphQL */ `
  query Products($first: Int, $after: String, $search: String) {
    products(first: $first, after: $after, search: $search) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id sku name priceCents currency stock } }
    }
  }
`;

describe("products", () => {
  it("serves public product data without a login, 20 per page by default", async () => {
    const res = await subgraph.request<ProductPage>(PRODUCTS);
    expect(res.errors).toBeUndefined();
    expect(res.data?.products.totalCount).toBe(200);
    expect(res.data?.products.edges).toHaveLength(20);
    expect(res.data?.products.pageInfo.hasNextPage).toBe(true);
    for (const { node } of res.data?.products.edges ?? []) {
      expect(node.priceCents).toBeGreaterThan(0);
      expect(node.currency).toBe("USD");
    }
  });

  it("walks every product exactly once with cursors", async () => {
    const seen = new Set<string>();
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res: Awaited<ReturnType<typeof subgraph.request<ProductPage>>> = await subgraph.request<ProductPage>(
        PRODUCTS,
        { first: 50, after },
      );
      const products = res.data?.products;
      if (!products) throw new Error(JSON.stringify(res.errors));
      for (const edge of products.edges) seen.add(edge.node.id);
      if (!products.pageInfo.hasNextPage) break;
      after = products.pageInfo.endCursor;
    }
    expect(seen.size).toBe(200);
  });

  it("searches name and SKU case-insensitively, and counts only the matches", async () => {
    const byName = await subgraph.request<ProductPage>(PRODUCTS, { search: "kettle", first: 100 });
    const names = byName.data?.products.edges.map((edge) => edge.node.name) ?? [];
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((name) => /kettle/i.test(name))).toBe(true);
    expect(byName.data?.products.totalCount).toBe(names.length);

    const bySku = await subgraph.request<ProductPage>(PRODUCTS, { search: "sku-00007" });
    expect(bySku.data?.products.edges.map((edge) => edge.node.sku)).toEqual(["SKU-00007"]);
  });

  it("treats search text literally (no injection, no wildcards)", async () => {
    for (const search of ["%", "_", "%' OR 1=1 --"]) {
      const res = await subgraph.request<ProductPage>(PRODUCTS, { search });
      expect(res.errors).toBeUndefined();
      expect(res.data?.products.totalCount).toBe(0);
    }
  });

  it("rejects an oversized search, a bad cursor and a negative page size with BAD_USER_INPUT", async () => {
    for (const variables of [{ search: "x".repeat(101) }, { after: "bm90LWEtdXVpZA" }, { first: -1 }]) {
      const res = await subgraph.request(PRODUCTS, variables);
      expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
  });

  it("returns one product by id, and null for an unknown or malformed id", async () => {
    const first = await subgraph.prisma.product.findFirstOrThrow({ where: { sku: "SKU-00001" } });
    const res = await subgraph.request<{ a: { sku: string }; b: null; c: null }>(
      /* GraphQL */ `query($id: ID!) { a: product(id: $id) { sku } b: product(id: "00000000-0000-4000-8000-000000000000") { sku } c: product(id: "42") { sku } }`,
      { id: first.id },
    );
    expect(res.data).toEqual({ a: { sku: "SKU-00001" }, b: null, c: null });
  });

  it("resolves a list of Product references (order lines) with one SQL statement", async () => {
    const ids = (await subgraph.prisma.product.findMany({ take: 100, select: { id: true } })).map((p) => p.id);
    const before = subgraph.statements();
    const res = await subgraph.request<{ _entities: Array<{ id: string; name: string }> }>(
      /* GraphQL */ "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id name } } }",
      { r: [...ids, ...ids].map((id) => ({ __typename: "Product", id })) },
    );
    expect(res.data?._entities.map((p) => p.id)).toEqual([...ids, ...ids]);
    expect(subgraph.statements() - before).toBe(1);
  });
});

describe("catalog administration", () => {
  const CREATE =
    /* GraphQL */ "mutation($input: CreateProductInput!) { createProduct(input: $input) { id sku name priceCents currency stock } }";

  it("lets an admin create and update products; customers, staff and anonymous callers cannot", async () => {
    const input = { sku: "NEW-1", name: " Brand New ", priceCents: 1234, stock: 5 };
    for (const headers of [{}, (await subgraph.viewer("customer")).headers, (await subgraph.viewer("staff")).headers]) {
      const denied = await subgraph.request(CREATE, { input }, headers);
      expect(["UNAUTHENTICATED", "FORBIDDEN"]).toContain(denied.errors?.[0]?.extensions?.code);
    }
    const admin = await subgraph.viewer("admin");
    const created = await subgraph.request<{ createProduct: { id: string; name: string; currency: string } }>(
      CREATE,
      { input },
      admin.headers,
    );
    expect(created.data?.createProduct).toMatchObject({ name: "Brand New", currency: "USD" });
    const updated = await subgraph.request<{ updateProduct: { priceCents: number; stock: number } }>(
      /* GraphQL */ "mutation($id: ID!) { updateProduct(id: $id, input: { priceCents: 999, stock: 0 }) { priceCents stock } }",
      { id: created.data?.createProduct.id },
      admin.headers,
    );
    expect(updated.data?.updateProduct).toEqual({ priceCents: 999, stock: 0 });
    const duplicate = await subgraph.request(CREATE, { input }, admin.headers);
    expect(duplicate.errors?.[0]?.extensions?.code).toBe("CONFLICT");
  });

  it("rejects negative prices and stock, bad currencies and unknown products", async () => {
    const admin = await subgraph.viewer("admin");
    for (const input of [
      { sku: "B1", name: "x", priceCents: -1, stock: 1 },
      { sku: "B2", name: "x", priceCents: 1, stock: -1 },
      { sku: "B3", name: "x", priceCents: 1, stock: 1, currency: "dollars" },
    ]) {
      const res = await subgraph.request(CREATE, { input }, admin.headers);
      expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
    const missing = await subgraph.request(
      'mutation { updateProduct(id: "00000000-0000-4000-8000-000000000000", input: { stock: 1 }) { id } }',
      {},
      admin.headers,
    );
    expect(missing.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("records each product created or updated, and each refused change, in an audit log only admins can read", async () => {
    const admin = await subgraph.viewer("admin");
    const created = await subgraph.request<{ createProduct: { id: string } }>(
      CREATE,
      { input: { sku: "AUDIT-1", name: "Audited", priceCents: 500, stock: 3 } },
      admin.headers,
    );
    const id = created.data?.createProduct.id ?? "";
    await subgraph.request(
      /* GraphQL */ "mutation($id: ID!) { updateProduct(id: $id, input: { stock: 9 }) { id } }",
      { id },
      admin.headers,
    );
    expect(
      (
        await subgraph.request(
          CREATE,
          { input: { sku: "AUDIT-1", name: "Again", priceCents: 1, stock: 1 } },
          admin.headers,
        )
      ).errors?.[0]?.extensions?.code,
    ).toBe("CONFLICT");

    const LOG =
      /* GraphQL */ "query($first: Int, $action: String) { catalogAuditLog(first: $first, action: $action) { edges { node { at actorId actorRole actorKind action target outcome detail } } pageInfo { hasNextPage } } }";
    type Log = { catalogAuditLog: { edges: Array<{ node: Record<string, string | null> }> } };
    const log = await subgraph.request<Log>(LOG, { first: 3 }, admin.headers);
    const [conflict, update, create] = log.data?.catalogAuditLog.edges.map((edge) => edge.node) ?? [];
    expect(create).toMatchObject({
      actorId: admin.id,
      actorRole: "ADMIN",
      actorKind: "USER",
      action: "createProduct",
      target: id,
      outcome: "SUCCESS",
      detail: "sku AUDIT-1, 500 USD, stock 3",
    });
    expect(update).toMatchObject({ action: "updateProduct", target: id, outcome: "SUCCESS", detail: "set stock" });
    expect(conflict).toMatchObject({
      action: "createProduct",
      target: null,
      outcome: "FAILURE",
      detail: expect.stringContaining("already exists"),
    });
    // the product is unchanged by the refused create, and has exactly one record of its creation
    const creations = await subgraph.request<Log>(LOG, { first: 100, action: "createProduct" }, admin.headers);
    expect(
      creations.data?.catalogAuditLog.edges.filter(
        (edge) => edge.node.target === id && edge.node.outcome === "SUCCESS",
      ),
    ).toHaveLength(1);
    expect(
      (await subgraph.request(LOG, { action: "deleteProduct" }, admin.headers)).errors?.[0]?.extensions?.code,
    ).toBe("BAD_USER_INPUT");
    for (const viewer of ["customer", "staff"] as const)
      expect(
        (await subgraph.request(LOG, {}, (await subgraph.viewer(viewer)).headers)).errors?.[0]?.extensions?.code,
      ).toBe("FORBIDDEN");
  });
});

describe("connection pool under a burst", () => {
  it("lets a transaction wait for a busy pool's connection longer than Prisma's 2 s default instead of failing", async () => {
    const previous = process.env.DB_POOL_MAX;
    process.env.DB_POOL_MAX = "1";
    const prisma = createCatalogPrisma(subgraph.database.url);
    if (previous === undefined) delete process.env.DB_POOL_MAX;
    else process.env.DB_POOL_MAX = previous;
    try {
      const products = await subgraph.prisma.product.count();
      // The only connection is held for 3 s; the second transaction must queue for it, then run.
      const holder = prisma.$transaction(async (tx) => tx.$executeRawUnsafe("SELECT pg_sleep(3)"));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const waiter = prisma.$transaction(async (tx) => tx.product.count());
      await expect(Promise.all([holder, waiter])).resolves.toEqual([1, products]);
    } finally {
      await prisma.$disconnect();
    }
  }, 30_000);
});
