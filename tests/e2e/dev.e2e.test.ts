import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  createTestDatabase,
  freePort,
  GATEWAY,
  graphqlRequest,
  SUBGRAPHS,
  subgraphUrlOverrides,
  type TestDatabase,
  waitFor,
  WORKERS,
} from "@fedplat/devkit";
import { buildSeedData } from "@fedplat/prisma/seed/data";
import { subscriptionClient, type TestSubscriptionClient } from "../fixtures";
import { platformEnv } from "../fixtures/platform";
import { copyRepo, type RepoCopy } from "../fixtures/repoCopy";

/*
 * `npm run dev` in a copy of the repository (it rewrites the supergraph and generated types):
 * a code change restarts only the processes that import it, an SDL change recomposes and the
 * gateway switches without a restart, a composition error keeps the last good supergraph,
 * and one WebSocket subscription stays open through all of it.
 */
jest.setTimeout(300_000);

let copy: RepoCopy;
let database: TestDatabase;
let dev: ChildProcess;
let gatewayUrl: string;
let output = "";
let subscriber: TestSubscriptionClient;

const product = buildSeedData().products.find((p) => p.stock >= 50);
const catalogFile = (name: string) => join(copy.dir, "subgraphs/catalog/src", name);
/** How many times `who` has logged that it is ready. */
const readyCount = (who: string) =>
  output.split("\n").filter((line) => line.startsWith(`[${who.padEnd(13)}]`) && / ready"/.test(line)).length;
/** waitFor, with the tail of dev's output in the failure (what it printed instead). */
const until = <T>(what: string, check: () => T | Promise<T>, timeoutMs: number) =>
  waitFor(what, check, timeoutMs, 200).catch((error: Error) => {
    throw new Error(`${error.message}; npm run dev printed:\n${output.slice(-4000)}`);
  });
const query = <T = Record<string, unknown>>(q: string, variables = {}, headers = {}) =>
  graphqlRequest<T>(gatewayUrl, q, variables, headers);

beforeAll(async () => {
  copy = copyRepo();
  database = await createTestDatabase();
  const ports = Object.fromEntries(
    await Promise.all([...SUBGRAPHS, WORKERS, GATEWAY].map(async (spec) => [spec.name, await freePort()] as const)),
  );
  gatewayUrl = `http://127.0.0.1:${ports.gateway}/graphql`;
  const env: NodeJS.ProcessEnv = {
    ...platformEnv(database, "info"),
    ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [`${name.toUpperCase()}_PORT`, String(port)])),
    ...subgraphUrlOverrides((process) => ports[process] ?? 0),
    CATALOG_URL: `http://127.0.0.1:${ports.catalog}/graphql`,
    GATEWAY_URL: gatewayUrl,
    BULLMQ_PREFIX: `dev-${database.name}`,
    PAYMENT_FAILURE_RATE: "0",
    PAYMENT_LATENCY_MS: "5",
    ORDER_EXPIRY_INTERVAL_MS: "0",
  };
  dev = spawn(process.execPath, ["--import", "tsx", "scripts/dev.ts"], { cwd: copy.dir, env, stdio: "pipe" });
  dev.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await until("npm run dev to start", () => output.includes("watching; gateway at"), 180_000);
});

afterAll(async () => {
  await subscriber?.dispose();
  if (dev && dev.exitCode === null) {
    dev.kill("SIGTERM");
    await new Promise((resolve) => dev.once("exit", resolve));
  }
  await database?.drop();
  copy?.remove();
});

async function placeOrder(headers: Record<string, string>): Promise<string> {
  const placed = await query<{ placeOrder: { id: string } }>(
    "mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }",
    { p: product?.id },
    headers,
  );
  const id = placed.data?.placeOrder.id;
  if (!id) throw new Error(`placeOrder failed: ${JSON.stringify(placed.errors)}`);
  return id;
}

it("restarts what a change touches, recomposes on an SDL change, and keeps the subscription open", async () => {
  const login = await query<{ login: { accessToken: string } }>(
    'mutation { login(email: "customer@example.com", password: "Passw0rd!") { accessToken } }',
  );
  const headers = { authorization: `Bearer ${login.data?.login.accessToken}` };
  subscriber = subscriptionClient(gatewayUrl, headers);
  const updates = subscriber.watch<{ myOrderUpdates: { id: string } }>("subscription { myOrderUpdates { id } }");
  const first = await placeOrder(headers);
  await updates.next((event) => event.data?.myOrderUpdates.id === first, 30_000);
  // The workers are left out: they host catalog's event handlers, so they import (and restart with) its package.
  const watched = [...SUBGRAPHS.map((spec) => spec.name), GATEWAY.name];
  const readyBefore = Object.fromEntries(watched.map((who) => [who, readyCount(who)]));

  // An SDL change: recomposed, catalog restarted with it, the gateway switches without a restart.
  const schema = readFileSync(catalogFile("schema.graphql"), "utf8");
  const withNote = schema.replace(
    'type Product @key(fields: "id") @cacheControl(maxAge: 60) {',
    (head) => `${head}\n  devNote: String`,
  );
  expect(withNote).not.toBe(schema);
  writeFileSync(catalogFile("schema.graphql"), withNote);
  await until(
    "the gateway to serve Product.devNote",
    async () => (await query("{ products(first: 1) { edges { node { devNote } } } }")).errors === undefined,
    90_000,
  );
  expect(readFileSync(join(copy.dir, "supergraph.graphql"), "utf8")).toContain("devNote: String");
  await until("codegen", () => output.includes("codegen: resolver types and typed client regenerated"), 90_000);
  expect(readFileSync(catalogFile("generated/resolvers.ts"), "utf8")).toContain("devNote");

  // A code change: only catalog restarts, and serves the new resolver.
  const resolvers = readFileSync(catalogFile("resolvers/product.ts"), "utf8");
  writeFileSync(
    catalogFile("resolvers/product.ts"),
    resolvers.replace("export const Product: ProductResolvers = {", (head) => `${head}\n  devNote: () => "edited",`),
  );
  await until(
    "catalog to serve the edited resolver",
    async () =>
      (
        await query<{ products: { edges: Array<{ node: { devNote: string | null } }> } }>(
          "{ products(first: 1) { edges { node { devNote } } } }",
        )
      ).data?.products.edges[0]?.node.devNote === "edited",
    90_000,
  );

  // A composition error: printed, and the last good supergraph keeps serving.
  writeFileSync(catalogFile("schema.graphql"), `${withNote}\nextend type Query { broken: NoSuchType }\n`);
  await until(
    "the composition error",
    () => output.includes("composition failed; the gateway keeps serving the last good supergraph"),
    30_000,
  );
  expect(output).toContain("NoSuchType");
  expect((await query("{ products(first: 1) { edges { node { devNote } } } }")).errors).toBeUndefined();

  const readyAfter = Object.fromEntries(watched.map((who) => [who, readyCount(who)]));
  expect(readyAfter).toEqual({ ...readyBefore, catalog: readyAfter.catalog });
  expect(readyAfter.catalog).toBeGreaterThan(readyBefore.catalog ?? 0);
  // The same subscription, never reconnected, still delivers.
  const second = await placeOrder(headers);
  await updates.next((event) => event.data?.myOrderUpdates.id === second, 30_000);
  expect(updates.error).toBeUndefined();
  expect(updates.completed).toBe(false);
});
