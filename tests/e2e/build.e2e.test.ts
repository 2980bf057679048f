import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { DIST_CONDITION, graphqlRequest, repoRoot, waitFor } from "@fedplat/devkit";
import { type Platform, startPlatform, trustedDocuments } from "../fixtures";

// `npm run build` is a turbo cache hit when nothing changed; a cold build of every package takes minutes on 2 busy cores.
jest.setTimeout(900_000);
const run = promisify(execFile);

/**
 * Production as deployed: every process from the compiled dist/ of `npm run build`, NODE_ENV=production
 * (trusted documents enforced, health on the admin port). tsx is not loaded, and Node 20 cannot run
 * TypeScript without it, so each answer below comes from compiled JavaScript, which found the files it
 * reads at runtime (schema.graphql, supergraph.graphql, the persisted-documents manifest, services.json).
 */
const docs = trustedDocuments();
const hashOf = (name: string) => {
  const found = docs[name];
  if (!found) throw new Error(`no ${name} in the manifest`);
  return found.hash;
};
const persisted = (name: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hashOf(name) } } });

let platform: Platform;

beforeAll(async () => {
  await run("npm", ["run", "build", "--silent", "--", "--output-logs=errors-only"], {
    cwd: repoRoot,
    maxBuffer: 16 * 1024 * 1024,
  });
  // TRUSTED_DOCUMENTS unset: the production default (enforce), not the fixture's "allow".
  platform = await startPlatform({ build: "dist", env: { NODE_ENV: "production", TRUSTED_DOCUMENTS: undefined } });
});
afterAll(() => platform?.stop());

async function send<T>(name: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(platform.gatewayUrl, {
    method: "POST",
    headers: { "content-type": "application/json", "apollo-require-preflight": "true", ...headers },
    body: JSON.stringify({ ...persisted(name), variables }),
  });
  return (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
}

describe("the platform compiled to dist/, NODE_ENV=production", () => {
  it("runs every process from dist/ with the dist condition, none through tsx", () => {
    for (const [name, service] of Object.entries(platform.services)) {
      const args = service.child.spawnargs.join(" ");
      expect({ name, dist: args.includes(`${service.spec.dir}/dist/main.js`) }).toEqual({ name, dist: true });
      expect(args).toContain(`--conditions=${DIST_CONDITION}`);
      expect(args).toContain("packages/telemetry/dist/register.js");
      expect(args).not.toContain("tsx");
    }
  });

  it("answers a trusted document by its hash alone, from the manifest the compiled gateway loaded", async () => {
    const answer = await send<{ products: { totalCount: number; edges: unknown[] } }>("Products", { first: 2 });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.products.totalCount).toBeGreaterThan(0);
    expect(answer.data?.products.edges).toHaveLength(2);
  });

  it("still refuses an ad-hoc document (trusted documents enforced in production)", async () => {
    const answer = await graphqlRequest(platform.gatewayUrl, "{ products(first: 1) { totalCount } }");
    expect(answer.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_REQUIRED");
  });

  it("runs an order saga through the compiled subgraphs and workers: placed, then CONFIRMED", async () => {
    const login = await send<{ login: { accessToken: string } }>("Login", {
      email: "customer@example.com",
      password: "Passw0rd!",
    });
    const auth = { authorization: `Bearer ${login.data?.login.accessToken}` };
    const products = await send<{ products: { edges: Array<{ node: { id: string } }> } }>("Products", { first: 1 });
    const productId = products.data?.products.edges[0]?.node.id;
    const placed = await send<{ placeOrder: { id: string; status: string } }>(
      "PlaceOrder",
      { input: { lines: [{ productId, quantity: 1 }] } },
      auth,
    );
    expect(placed.errors).toBeUndefined();
    const orderId = placed.data?.placeOrder.id;
    const confirmed = await waitFor(
      "the order to be confirmed",
      async () => {
        const order = await send<{ order: { status: string; payment: { state: string } | null } }>(
          "Order",
          { id: orderId },
          auth,
        );
        return order.data?.order.status === "CONFIRMED" && order.data.order;
      },
      60_000,
      250,
    );
    expect(confirmed.payment?.state).toBe("SUCCEEDED");
  });
});
