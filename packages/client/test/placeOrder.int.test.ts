import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, request as httpRequest, type Server } from "node:http";
import { join } from "node:path";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { createLogger, createRedis, type Redis } from "@fedplat/runtime";
import {
  repoRoot,
  startTestSubgraph,
  TEST_GATEWAY_KEY,
  TEST_ORDERS_SERVICE_KEY,
  TEST_JWT_SECRET,
  type TestSubgraph,
  type TestViewer,
} from "@fedplat/devkit";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayServer } from "@fedplat/gateway";
import { buildOrdersServer, createCatalogClient, createOrdersPrisma, type OrdersPrisma } from "@fedplat/orders";
import { createGraphQLClient, GraphQLRequestError, persistedDocuments, placeOrder } from "../src";

jest.setTimeout(60_000);

/** Where nothing listens: placeOrder needs only orders and catalog. */
const DOWN = "http://127.0.0.1:9/graphql";

let redis: Redis;
let catalog: TestSubgraph<CatalogPrisma>;
let orders: TestSubgraph<OrdersPrisma>;
let gateway: GatewayServer;
let gatewayUrl: string;
let productId: string;

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "client-test");
  catalog = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer });
  orders = await startTestSubgraph({
    createPrisma: createOrdersPrisma,
    build: (deps) => buildOrdersServer({ ...deps, catalog: createCatalogClient(catalog.url, TEST_ORDERS_SERVICE_KEY) }),
    database: catalog.database,
  });
  gateway = await buildGateway({
    supergraphSdl: readFileSync(join(repoRoot, "supergraph.graphql"), "utf8"),
    subgraphUrls: { ACCOUNTS: DOWN, CATALOG: catalog.url, ORDERS: orders.url, PAYMENTS: DOWN, NOTIFICATIONS: DOWN },
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    subscriptions: { channel: `test:live:${randomUUID()}` },
    logger: createLogger("client-test", "silent"),
  });
  gatewayUrl = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
  const product = await catalog.prisma.product.findFirstOrThrow({ orderBy: { sku: "asc" } });
  productId = product.id;
});
afterAll(async () => {
  await gateway?.close();
  await orders?.stop();
  await catalog?.stop();
  await redis?.quit();
});

const readBody = async (stream: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};

interface Seen {
  idempotencyKey?: string;
  /** The order in the gateway's answer (whether or not the proxy passed it on). */
  orderId?: string;
  /** The first error code of the gateway's answer. */
  code?: string;
}

/**
 * A real HTTP proxy in front of the gateway that, for the first `drop` answers carrying a placed
 * order (committed by then), cuts the client's connection without answering, or answers `how`
 * (an HTML error page, as a load balancer would): a response lost on the way back.
 */
async function lossyProxy(
  target: string,
  drop: number,
  how: "cut" | 502 | 503 | 504 = "cut",
): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const upstream = httpRequest(target, {
      method: req.method,
      headers: { ...req.headers, host: new URL(target).host },
    });
    upstream.end(body);
    const response = await new Promise<IncomingMessage>((resolve) => upstream.on("response", resolve));
    const answer = await readBody(response);
    const variables = (JSON.parse(body) as { variables?: { input?: { idempotencyKey?: string } } }).variables;
    const parsed = JSON.parse(answer) as {
      data?: { placeOrder?: { id: string } } | null;
      errors?: Array<{ extensions?: { code?: string } }>;
    };
    const orderId = parsed.data?.placeOrder?.id;
    seen.push({
      idempotencyKey: variables?.input?.idempotencyKey,
      orderId,
      code: parsed.errors?.[0]?.extensions?.code,
    });
    if (orderId && seen.filter((request) => request.orderId).length <= drop) {
      if (how === "cut") req.socket.destroy();
      else res.writeHead(how, { "content-type": "text/html" }).end(`<html><body>${how}</body></html>`);
      return;
    }
    res.writeHead(response.statusCode ?? 502, {
      "content-type": response.headers["content-type"] ?? "application/json",
    });
    res.end(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("proxy has no port");
  return {
    url: `http://127.0.0.1:${address.port}/graphql`,
    seen,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** A customer with no orders yet, so counts are exact. */
const newCustomer = (): Promise<TestViewer> => orders.viewer({ id: randomUUID(), role: "CUSTOMER" });
/** As an application uses it: persisted ids first (the key travels in the variables), the viewer's token. */
const clientFor = (url: string, viewer: TestViewer) =>
  createGraphQLClient({ url, token: () => viewer.token, persistedDocuments });
/** The requests that placed (or replayed) an order. */
const placing = (seen: Seen[]) => seen.filter((request) => request.orderId);

describe("placeOrder (typed client)", () => {
  it("retries with the same key when the answer is lost after the order was placed, and yields one order", async () => {
    const viewer = await newCustomer();
    const proxy = await lossyProxy(gatewayUrl, 1);
    try {
      const order = await placeOrder(
        clientFor(proxy.url, viewer),
        { lines: [{ productId, quantity: 1 }] },
        { baseDelayMs: 10 },
      );
      const [lost, retried, ...more] = placing(proxy.seen);
      expect(more).toEqual([]);
      expect(lost?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
      expect(retried?.idempotencyKey).toBe(lost?.idempotencyKey);
      // The order of the lost answer is the one the retry returned, and the only one placed.
      expect(order.id).toBe(lost?.orderId);
      expect(await orders.prisma.order.findMany({ where: { customerId: viewer.id }, select: { id: true } })).toEqual([
        { id: order.id },
      ]);
      expect(
        await orders.prisma.outboxEvent.count({
          where: { type: "order.placed", envelope: { path: ["data", "customerId"], equals: viewer.id } },
        }),
      ).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it.each([502, 503, 504] as const)(
    "retries with the same key after an HTTP %i from a proxy, and yields one order",
    async (status) => {
      const viewer = await newCustomer();
      const proxy = await lossyProxy(gatewayUrl, 2, status);
      try {
        const order = await placeOrder(
          clientFor(proxy.url, viewer),
          { lines: [{ productId, quantity: 2 }] },
          { baseDelayMs: 10 },
        );
        expect(placing(proxy.seen)).toHaveLength(3);
        expect(new Set(proxy.seen.map((request) => request.idempotencyKey)).size).toBe(1);
        expect(await orders.prisma.order.findMany({ where: { customerId: viewer.id }, select: { id: true } })).toEqual([
          { id: order.id },
        ]);
      } finally {
        await proxy.close();
      }
    },
  );

  it("gives up after its attempts with the NETWORK_ERROR, having sent one key throughout", async () => {
    const viewer = await newCustomer();
    const proxy = await lossyProxy(gatewayUrl, 3);
    try {
      const failure = await placeOrder(
        clientFor(proxy.url, viewer),
        { lines: [{ productId, quantity: 1 }] },
        { attempts: 3, baseDelayMs: 10 },
      ).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(GraphQLRequestError);
      expect((failure as GraphQLRequestError).code).toBe("NETWORK_ERROR");
      expect(new Set(proxy.seen.map((request) => request.idempotencyKey)).size).toBe(1);
      expect(placing(proxy.seen)).toHaveLength(3);
      // All three reached orders; one order exists.
      expect(await orders.prisma.order.count({ where: { customerId: viewer.id } })).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it("does not retry a refusal (BAD_USER_INPUT): the server answered", async () => {
    const viewer = await newCustomer();
    const proxy = await lossyProxy(gatewayUrl, 0);
    try {
      const failure = await placeOrder(
        clientFor(proxy.url, viewer),
        { lines: [{ productId, quantity: 0 }] },
        { baseDelayMs: 10 },
      ).catch((error: unknown) => error);
      expect((failure as GraphQLRequestError).code).toBe("BAD_USER_INPUT");
      expect(proxy.seen.filter((request) => request.code === "BAD_USER_INPUT")).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it("sends a new key for each logical order", async () => {
    const viewer = await newCustomer();
    const proxy = await lossyProxy(gatewayUrl, 0);
    try {
      const client = clientFor(proxy.url, viewer);
      const first = await placeOrder(client, { lines: [{ productId, quantity: 1 }] });
      const second = await placeOrder(client, { lines: [{ productId, quantity: 1 }] });
      expect(second.id).not.toBe(first.id);
      const [a, b] = placing(proxy.seen);
      expect(a?.idempotencyKey).toBeDefined();
      expect(a?.idempotencyKey).not.toBe(b?.idempotencyKey);
    } finally {
      await proxy.close();
    }
  });
});
