import { execFile, spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  createGraphQLClient,
  createSubscriptionClient,
  GraphQLRequestError,
  LoginDocument,
  OrderDocument,
  OrderStatusChangedDocument,
  type OrderStatusChangedSubscription,
  persistedDocuments,
  PlaceOrderDocument,
  ProductsDocument,
  RegisterDocument,
  SubscriptionClosedError,
} from "@fedplat/client";
import { repoRoot } from "@fedplat/devkit";
import { buildSeedData } from "@fedplat/prisma/seed/data";
import { type Platform, startPlatform } from "../fixtures";

jest.setTimeout(240_000);

const run = promisify(execFile);
const MANIFEST = join(repoRoot, "packages/client/src/generated/persisted-documents.json");
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const CLI = join(repoRoot, "packages/client/example/cli.ts");
const webSocketUrl = (url: string) => url.replace(/^http/, "ws");
/** After platform.kill("workers") (SIGKILL: exitCode stays null, signalCode is set). */
const workersDown = () => {
  const child = platform.services.workers?.child;
  return child !== undefined && (child.exitCode !== null || child.signalCode !== null);
};

let platform: Platform;
let dir: string;
let manifestPath: string;

beforeAll(async () => {
  // The gateway as deployed: only the manifest's documents run. It reads a copy, so the test can change it.
  dir = mkdtempSync(join(tmpdir(), "fedplat-client-e2e-"));
  manifestPath = join(dir, "persisted-documents.json");
  copyFileSync(MANIFEST, manifestPath);
  platform = await startPlatform({
    gatewayEnv: { TRUSTED_DOCUMENTS: "enforce", PERSISTED_DOCUMENTS_PATH: manifestPath },
  });
});
afterAll(async () => {
  await platform?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const product = buildSeedData().products.find((p) => p.stock >= 10);

describe("the typed client against a gateway that enforces trusted documents", () => {
  it("registers, logs in, browses, places an order and follows it until it is confirmed", async () => {
    if (!product) throw new Error("no product in stock");
    let token: string | undefined;
    const client = createGraphQLClient({ url: platform.gatewayUrl, token: () => token, persistedDocuments });

    const email = `client-${randomUUID()}@example.com`;
    const { register } = await client.request(RegisterDocument, {
      input: { email, password: "Passw0rd!x", name: "Typed Client" },
    });
    expect(register.email).toBe(email);
    const { login } = await client.request(LoginDocument, { email, password: "Passw0rd!x" });
    expect(login.user).toMatchObject({ email, role: "CUSTOMER" });
    token = login.accessToken;

    const page = await client.execute(ProductsDocument, { first: 5 });
    expect(page.data.products.totalCount).toBe(200);
    expect(page.data.products.edges).toHaveLength(5);
    expect(page.headers.get("cache-control")).toBe("max-age=10, public");

    const { placeOrder } = await client.request(PlaceOrderDocument, {
      input: { lines: [{ productId: product.id, quantity: 2 }] },
    });
    expect(placeOrder).toMatchObject({ status: "PENDING", totalCents: product.priceCents * 2 });

    const deadline = Date.now() + 60_000;
    let order = (await client.request(OrderDocument, { id: placeOrder.id })).order;
    while (order?.status !== "CONFIRMED" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      order = (await client.request(OrderDocument, { id: placeOrder.id })).order;
    }
    expect(order).toMatchObject({
      status: "CONFIRMED",
      payment: { state: "SUCCEEDED" },
      lines: [{ quantity: 2, product: { name: product.name } }],
    });
  });

  it("places one order for a key sent twice (a persisted document, the key in its variables), and refuses the key with other lines", async () => {
    if (!product) throw new Error("no product in stock");
    const { login } = await createGraphQLClient({ url: platform.gatewayUrl, persistedDocuments }).request(
      LoginDocument,
      { email: "customer@example.com", password: "Passw0rd!" },
    );
    const client = createGraphQLClient({
      url: platform.gatewayUrl,
      token: () => login.accessToken,
      persistedDocuments,
    });
    const idempotencyKey = randomUUID();
    const first = await client.request(PlaceOrderDocument, {
      input: { lines: [{ productId: product.id, quantity: 1 }], idempotencyKey },
    });
    const retry = await client.request(PlaceOrderDocument, {
      input: { lines: [{ productId: product.id, quantity: 1 }], idempotencyKey },
    });
    expect(retry.placeOrder.id).toBe(first.placeOrder.id);
    await expect(
      client.request(PlaceOrderDocument, {
        input: { lines: [{ productId: product.id, quantity: 2 }], idempotencyKey },
      }),
    ).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      message: "This idempotency key was already used for a different request; send a new key for a new request",
    });
  });

  it("follows an order from PENDING to CONFIRMED over a subscription, each event with fields from every subgraph", async () => {
    if (!product) throw new Error("no product in stock");
    const { login } = await createGraphQLClient({ url: platform.gatewayUrl, persistedDocuments }).request(
      LoginDocument,
      { email: "customer@example.com", password: "Passw0rd!" },
    );
    const client = createGraphQLClient({
      url: platform.gatewayUrl,
      token: () => login.accessToken,
      persistedDocuments,
    });
    const live = createSubscriptionClient({
      url: webSocketUrl(platform.gatewayUrl),
      token: () => login.accessToken,
      persistedDocuments,
      retryAttempts: 0,
    });

    // No workers, no saga: the order stays PENDING until they are back, so the first event is PENDING.
    await platform.kill("workers");
    const { placeOrder } = await client.request(PlaceOrderDocument, {
      input: { lines: [{ productId: product.id, quantity: 1 }] },
    });
    const events: Array<OrderStatusChangedSubscription["orderStatusChanged"]> = [];
    try {
      for await (const { orderStatusChanged } of live.subscribe(OrderStatusChangedDocument, {
        orderId: placeOrder.id,
      })) {
        events.push(orderStatusChanged);
        if (events.length === 1) await platform.restart("workers");
        if (orderStatusChanged.status === "CONFIRMED" || orderStatusChanged.status === "CANCELLED") break;
      }
    } finally {
      if (workersDown()) await platform.restart("workers");
      await live.close();
    }

    const common = {
      id: placeOrder.id,
      customer: { email: "customer@example.com" },
      lines: [{ quantity: 1, product: { name: product.name } }],
    };
    expect(events[0]).toMatchObject({ ...common, status: "PENDING", payment: null });
    expect(events.at(-1)).toMatchObject({ ...common, status: "CONFIRMED", payment: { state: "SUCCEEDED" } });
    // Statuses only move forward; the payment's own changes may add events in between.
    expect([...new Set(events.map((event) => event.status))]).toEqual(["PENDING", "CONFIRMED"]);
  });

  it("refuses a subscription document outside the manifest over WebSocket, and an expired token with close code 4401", async () => {
    const { login } = await createGraphQLClient({ url: platform.gatewayUrl, persistedDocuments }).request(
      LoginDocument,
      { email: "customer@example.com", password: "Passw0rd!" },
    );
    const live = createSubscriptionClient({
      url: webSocketUrl(platform.gatewayUrl),
      token: () => login.accessToken,
      persistedDocuments,
      retryAttempts: 0,
    });
    const adHoc = {
      toString: () => /* GraphQL */ "subscription { myOrderUpdates { id } }",
    } as typeof OrderStatusChangedDocument;
    const consume = async (client: typeof live, document: typeof OrderStatusChangedDocument) => {
      for await (const _event of client.subscribe(document, { orderId: randomUUID() })) void _event;
    };
    await expect(consume(live, adHoc)).rejects.toMatchObject({ code: "PERSISTED_QUERY_REQUIRED" });
    await live.close();

    const expired = createSubscriptionClient({
      url: webSocketUrl(platform.gatewayUrl),
      token: () => "not-a-token",
      persistedDocuments,
      retryAttempts: 0,
    });
    const closed = await consume(expired, OrderStatusChangedDocument).catch((error: unknown) => error);
    expect(closed).toBeInstanceOf(SubscriptionClosedError);
    expect(closed).toMatchObject({ closeCode: 4401 });
    await expired.close();
  });

  it("is refused any document outside the manifest, with a clear code", async () => {
    const adHoc = await platform.query(/* GraphQL */ "{ products(first: 1) { totalCount } }");
    expect(adHoc.status).toBe(400);
    expect(adHoc.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_REQUIRED");
  });

  it("reloads the manifest on SIGHUP, without a restart", async () => {
    const document = /* GraphQL */ "query Newcomer { products(first: 1) { totalCount } }";
    const send = () =>
      fetch(
        `${platform.gatewayUrl}?${new URLSearchParams({ extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha256(document) } }) })}`,
        { headers: { "apollo-require-preflight": "true" } },
      ).then((res) => res.json() as Promise<{ data?: unknown; errors?: Array<{ extensions?: { code?: string } }> }>);
    expect((await send()).errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_IN_LIST");

    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, string>;
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, [`sha256:${sha256(document)}`]: document }));
    platform.services.gateway?.child.kill("SIGHUP");
    const deadline = Date.now() + 10_000;
    let answer = await send();
    while (!answer.data && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await send();
    }
    expect(answer).toEqual({ data: { products: { totalCount: 200 } } });
    expect(platform.services.gateway?.child.exitCode).toBeNull();
  });

  it("reports a gateway error as a GraphQLRequestError with the code", async () => {
    const client = createGraphQLClient({ url: platform.gatewayUrl, persistedDocuments });
    await expect(
      client.request(LoginDocument, { email: "customer@example.com", password: "wrong-password-1" }),
    ).rejects.toMatchObject({ name: "GraphQLRequestError", code: "UNAUTHENTICATED" });
    await expect(client.request(PlaceOrderDocument, { input: { lines: [] } })).rejects.toBeInstanceOf(
      GraphQLRequestError,
    );
  });
});

describe("the example CLI (npm run client)", () => {
  const envFor = (session: string) => ({
    ...process.env,
    FEDPLAT_URL: platform.gatewayUrl,
    FEDPLAT_SESSION: join(dir, session),
  });

  it("logs in, lists products, places an order and follows it live until it is confirmed", async () => {
    if (!product) throw new Error("no product in stock");
    const env = envFor("session.json");
    const cli = async (...args: string[]) =>
      (await run(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: repoRoot, env })).stdout;

    expect(await cli("login", "customer@example.com", "Passw0rd!")).toContain(
      "Logged in as customer@example.com (CUSTOMER)",
    );
    const newcomer = `cli-${randomUUID()}@example.com`;
    expect(await cli("register", newcomer, "Passw0rd!x", "CLI", "User")).toContain(
      `Registered and logged in as ${newcomer} (CUSTOMER)`,
    );
    expect(await cli("login", "customer@example.com", "Passw0rd!")).toContain(
      "Logged in as customer@example.com (CUSTOMER)",
    );
    const products = await cli("products", "--first", "3");
    expect(products).toContain("3 of 200 products");

    // Without workers the order waits in PENDING, so `follow` is seen subscribed before it moves on.
    await platform.kill("workers");
    let follower: ReturnType<typeof spawn> | undefined;
    try {
      const placed = await cli("place-order", `${product.id}:1`);
      const orderId = /Order (\S+) PENDING/.exec(placed)?.[1];
      if (!orderId) throw new Error(`no order id in: ${placed}`);
      // @defer: the account from accounts first, then the orders (orders subgraph) in the same response.
      const mine = await cli("my-orders");
      expect(mine).toMatch(new RegExp(`^customer@example\\.com: loading orders\\.\\.\\.\\n[^]*${orderId} {2}PENDING`));
      follower = spawn(process.execPath, ["--import", "tsx", CLI, "follow", orderId], { cwd: repoRoot, env });
      let stdout = "";
      let stderr = "";
      follower.stderr?.on("data", (chunk: Buffer) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => follower?.once("exit", resolve));
      await new Promise<void>((resolve, reject) => {
        follower?.stdout?.on("data", (chunk: Buffer) => {
          stdout += chunk;
          if (/PENDING /.test(stdout)) resolve();
        });
        void exited.then((code) =>
          reject(new Error(`follow exited (${code}) before printing PENDING: ${stdout}${stderr}`)),
        );
      });
      await platform.restart("workers");
      expect(await exited).toBe(0);
      expect(stdout).toMatch(/PENDING .* no payment yet {2}customer@example\.com: 1 x /);
      expect(stdout).toMatch(/CONFIRMED .* payment SUCCEEDED .* customer@example\.com: 1 x /);
      expect(stderr).not.toMatch(/Error/);
    } finally {
      if (follower && follower.exitCode === null) follower.kill();
      if (workersDown()) await platform.restart("workers");
    }

    const refused = await run(process.execPath, ["--import", "tsx", CLI, "place-order", "nope"], {
      cwd: repoRoot,
      env,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('"nope" is not <productId:quantity>') });
  });

  it("follow explains a refused token (close code 4401) and exits non-zero", async () => {
    const env = envFor("expired-session.json");
    writeFileSync(
      env.FEDPLAT_SESSION,
      JSON.stringify({ accessToken: "expired.or.forged", email: "customer@example.com" }),
    );
    const refused = await run(process.execPath, ["--import", "tsx", CLI, "follow", randomUUID()], {
      cwd: repoRoot,
      env,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining("Not authorized") });
    expect(refused).toMatchObject({ stderr: expect.stringContaining("log in again") });
  });
});
