import { IDENTITY_HEADER, signCallerIdentity, type SigningKey, type Viewer } from "@fedplat/auth";
import {
  demoAccount,
  startTestSubgraph,
  TEST_GATEWAY_KEY,
  TEST_ORDERS_SERVICE_KEY,
  TEST_PREVIOUS_GATEWAY_KEY,
  type TestSubgraph,
} from "@fedplat/devkit";
import { SignJWT } from "jose";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "../src";

/** What the gateway and the orders service used to share (HS256) before identities were signed with Ed25519. */
const OLD_SHARED_SECRET = "test-only-gateway-secret-0123456789abcdef";
const PRICES =
  '{ _entities(representations: [{ __typename: "Product", id: $id }]) { ... on Product { id priceCents currency } } }';

let subgraph: TestSubgraph<CatalogPrisma>;
let productId: string;
let admin: Viewer;

beforeAll(async () => {
  subgraph = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer });
  productId = (await subgraph.prisma.product.findFirstOrThrow({ orderBy: { sku: "asc" } })).id;
  admin = { id: (await demoAccount(subgraph.database.url, "admin")).id, roles: ["ADMIN"], scopes: [] };
});
afterAll(() => subgraph?.stop());

const asGateway = (key: SigningKey, audience = "catalog") =>
  signCallerIdentity({ caller: { kind: "gateway" }, viewer: admin }, key, audience);
const auditLog = (identity: string) =>
  subgraph.rawRequest(
    /* GraphQL */ "{ catalogAuditLog(first: 1) { pageInfo { hasNextPage } } }",
    {},
    { [IDENTITY_HEADER]: identity },
  );

describe("who catalog believes (x-fedplat-identity)", () => {
  it("accepts the gateway's current key and a previous one still listed in GATEWAY_VERIFY_KEYS (rotation)", async () => {
    for (const key of [TEST_GATEWAY_KEY, TEST_PREVIOUS_GATEWAY_KEY]) {
      const res = await auditLog(await asGateway(key));
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
    }
  });

  it("refuses with 401 an ADMIN identity signed with the old shared secret, by a service's own key, for another subgraph, expired, or under an unknown kid", async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = () =>
      new SignJWT({ role: "ADMIN", kind: "user" })
        .setIssuer("fedplat-gateway")
        .setAudience("catalog")
        .setSubject(admin.id);
    const forged = {
      "HS256 with the old GATEWAY_SECRET": await claims()
        .setProtectedHeader({ alg: "HS256" })
        .setIssuedAt()
        .setExpirationTime("1m")
        .sign(new TextEncoder().encode(OLD_SHARED_SECRET)),
      "orders' own key, claiming to be the gateway": await asGateway(TEST_ORDERS_SERVICE_KEY),
      "the gateway's key, for orders": await asGateway(TEST_GATEWAY_KEY, "orders"),
      expired: await claims()
        .setProtectedHeader({ alg: "EdDSA", kid: TEST_GATEWAY_KEY.kid })
        .setIssuedAt(now - 70)
        .setExpirationTime(now - 10)
        .sign(TEST_GATEWAY_KEY.key),
      "an unknown kid": await asGateway({ ...TEST_GATEWAY_KEY, kid: "test-gateway-9" }),
    };
    for (const [what, identity] of Object.entries(forged)) {
      const res = await auditLog(identity);
      expect({ what, status: res.status, code: res.errors?.[0]?.extensions?.code, data: res.data }).toEqual({
        what,
        status: 401,
        code: "UNAUTHENTICATED",
        data: undefined,
      });
    }
  });

  it("lets the orders service read prices with its own key, and nothing else: no mutation, no admin field (FORBIDDEN)", async () => {
    const asOrders = {
      [IDENTITY_HEADER]: await signCallerIdentity(
        { caller: { kind: "service", name: "orders" }, viewer: null },
        TEST_ORDERS_SERVICE_KEY,
        "catalog",
      ),
    };
    const prices = await subgraph.rawRequest<{
      _entities: Array<{ id: string; priceCents: number; currency: string }>;
    }>(/* GraphQL */ `query($id: ID!) ${PRICES}`, { id: productId }, asOrders);
    expect(prices.errors).toBeUndefined();
    expect(prices.data?._entities[0]).toMatchObject({ id: productId, currency: "USD" });
    expect(prices.data?._entities[0]?.priceCents).toBeGreaterThan(0);

    const mutation = await subgraph.rawRequest(
      /* GraphQL */ "mutation($id: ID!) { updateProduct(id: $id, input: { priceCents: 1 }) { id } }",
      { id: productId },
      asOrders,
    );
    expect(mutation.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await subgraph.prisma.product.findUniqueOrThrow({ where: { id: productId } })).priceCents).toBe(
      prices.data?._entities[0]?.priceCents,
    );
    const audit = await subgraph.rawRequest(
      /* GraphQL */ "{ catalogAuditLog(first: 1) { pageInfo { hasNextPage } } }",
      {},
      asOrders,
    );
    expect(audit.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    // Even a public field outside what orders needs (stock, the product list).
    const stock = await subgraph.rawRequest(
      /* GraphQL */ `{ _entities(representations: [{ __typename: "Product", id: "${productId}" }]) { ... on Product { stock } } }`,
      {},
      asOrders,
    );
    expect(stock.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(
      (await subgraph.rawRequest(/* GraphQL */ "{ products(first: 1) { totalCount } }", {}, asOrders)).errors?.[0]
        ?.extensions?.code,
    ).toBe("FORBIDDEN");
  });
});
