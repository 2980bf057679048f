import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createGraphQLClient, GraphQLRequestError, LoginDocument, OrderDocument, persistedDocuments, PlaceOrderDocument, ProductsDocument, RegisterDocument } from "@fedplat/client";
import { repoRoot } from "@fedplat/devkit";
import { buildSeedData } from "@fedplat/prisma/seed/data";
import { type Platform, startPlatform } from "../fixtures";

jest.setTimeout(240_000);

const run = promisify(execFile);
const MANIFEST = join(repoRoot, "packages/client/src/generated/persisted-documents.json");
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

let platform: Platform;
let dir: string;
let manifestPath: string;

beforeAll(async () => {
  // The gateway as deployed: only the manifest's documents run. It reads a copy, so the test can change it.
  dir = mkdtempSync(join(tmpdir(), "fedplat-client-e2e-"));
  manifestPath = join(dir, "persisted-documents.json");
  copyFileSync(MANIFEST, manifestPath);
  platform = await startPlatform({ gatewayEnv: { TRUSTED_DOCUMENTS: "enforce", PERSISTED_DOCUMENTS_PATH: manifestPath } });
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
    const { register } = await client.request(RegisterDocument, { input: { email, password: "Passw0rd!x", name: "Typed Client" } });
    expect(register.user).toMatchObject({ email, role: "CUSTOMER" });
    const { login } = await client.request(LoginDocument, { email, password: "Passw0rd!x" });
    token = login.accessToken;

    const page = await client.execute(ProductsDocument, { first: 5 });
    expect(page.data.products.totalCount).toBe(200);
    expect(page.data.products.edges).toHaveLength(5);
    expect(page.headers.get("cache-control")).toBe("max-age=10, public");

    const { placeOrder } = await client.request(PlaceOrderDocument, { input: { lines: [{ productId: product.id, quantity: 2 }] } });
    expect(placeOrder).toMatchObject({ status: "PENDING", totalCents: product.priceCents * 2 });

    const deadline = Date.now() + 60_000;
    let order = (await client.request(OrderDocument, { id: placeOrder.id })).order;
    while (order?.status !== "CONFIRMED" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      order = (await client.request(OrderDocument, { id: placeOrder.id })).order;
    }
    expect(order).toMatchObject({ status: "CONFIRMED", payment: { state: "SUCCEEDED" }, lines: [{ quantity: 2, product: { name: product.name } }] });
  });

  it("is refused any document outside the manifest, with a clear code", async () => {
    const adHoc = await platform.query("{ products(first: 1) { totalCount } }");
    expect(adHoc.status).toBe(400);
    expect(adHoc.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_REQUIRED");
  });

  it("reloads the manifest on SIGHUP, without a restart", async () => {
    const document = "query Newcomer { products(first: 1) { totalCount } }";
    const send = () => fetch(`${platform.gatewayUrl}?${new URLSearchParams({ extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha256(document) } }) })}`, { headers: { "apollo-require-preflight": "true" } }).then((res) => res.json() as Promise<{ data?: unknown; errors?: Array<{ extensions?: { code?: string } }> }>);
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
    await expect(client.request(LoginDocument, { email: "customer@example.com", password: "wrong-password-1" })).rejects.toMatchObject({ name: "GraphQLRequestError", code: "UNAUTHENTICATED" });
    await expect(client.request(PlaceOrderDocument, { input: { lines: [] } })).rejects.toBeInstanceOf(GraphQLRequestError);
  });
});

describe("the example CLI (npm run client)", () => {
  it("logs in, lists products, places an order and follows it", async () => {
    if (!product) throw new Error("no product in stock");
    const env = { ...process.env, FEDPLAT_URL: platform.gatewayUrl, FEDPLAT_SESSION: join(dir, "session.json"), FOLLOW_INTERVAL_MS: "200" };
    const cli = async (...args: string[]) => (await run(process.execPath, ["--import", "tsx", join(repoRoot, "packages/client/example/cli.ts"), ...args], { cwd: repoRoot, env })).stdout;

    expect(await cli("login", "customer@example.com", "Passw0rd!")).toContain("Logged in as customer@example.com (CUSTOMER)");
    const products = await cli("products", "--first", "3");
    expect(products).toContain("3 of 200 products");
    const placed = await cli("place-order", `${product.id}:1`);
    const orderId = /Order (\S+) PENDING/.exec(placed)?.[1];
    expect(orderId).toBeDefined();
    const followed = await cli("follow", orderId ?? "");
    expect(followed).toMatch(/CONFIRMED .* payment SUCCEEDED/);

    const refused = await run(process.execPath, ["--import", "tsx", join(repoRoot, "packages/client/example/cli.ts"), "place-order", "nope"], { cwd: repoRoot, env }).catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('"nope" is not <productId:quantity>') });
  });
});
