import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createRedis } from "@fedplat/runtime";
import { signAccessToken } from "@fedplat/auth";
import { buildSeedData } from "@fedplat/prisma/seed/data";
import { graphqlRequest, type GraphQLResponse, repoRoot } from "@fedplat/devkit";
import { decodeProtectedHeader } from "jose";
import { type Closed, type Platform, startPlatform, subscriptionClient } from "../fixtures";

jest.setTimeout(180_000);

/**
 * Sessions end on every replica (docs/security.md), with real processes: accounts signs with the
 * active key of JWT_SIGNING_KEYS; a second gateway replica that no longer lists k1 refuses k1's
 * tokens; a logout through one replica ends the access token at the other within 5 s.
 */
const K1 = "e2e-k1-secret-0123456789abcdef012345";
const K2 = "e2e-k2-secret-0123456789abcdef012345";

const run = promisify(execFile);
const CLI = join(repoRoot, "packages/client/example/cli.ts");

let platform: Platform;
let replicaUrl: string;

beforeAll(async () => {
  // k2 signs; k1 (the previous key) still verifies; JWT_SECRET stays for tokens without a kid.
  platform = await startPlatform({ env: { JWT_SIGNING_KEYS: `k2:${K2},k1:${K1}`, JWT_ACTIVE_KEY_ID: "k2" } });
  // A replica after the rotation finished: k1 retired.
  replicaUrl = await platform.addGateway({ JWT_SIGNING_KEYS: `k2:${K2}` });
});
afterAll(() => platform?.stop());

const codeOf = (response: GraphQLResponse<unknown>) => response.errors?.[0]?.extensions?.code;

async function within<T>(
  limitMs: number,
  ask: () => Promise<GraphQLResponse<T>>,
  done: (response: GraphQLResponse<T>) => boolean,
): Promise<number> {
  const started = Date.now();
  let last: GraphQLResponse<T> | undefined;
  while (Date.now() - started <= limitMs) {
    last = await ask();
    if (done(last)) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${limitMs} ms; last answer ${JSON.stringify(last?.errors ?? last?.data)}`);
}

describe("sessions across gateway replicas", () => {
  it("signs with the active kid; a replica refuses tokens of a retired kid and accepts a still-listed one", async () => {
    const headers = await platform.login("customer@example.com");
    const token = headers.authorization?.replace("Bearer ", "") ?? "";
    expect(decodeProtectedHeader(token).kid).toBe("k2");
    const me = await graphqlRequest<{ me: { id: string } }>(replicaUrl, /* GraphQL */ "{ me { id } }", {}, headers);
    const id = me.data?.me.id ?? "";
    expect(id).not.toBe("");

    const withK1 = await signAccessToken({ id, role: "CUSTOMER", tokenVersion: 0 }, { id: "k1", secret: K1 });
    const onFirst = await platform.query<{ me: { id: string } }>(
      /* GraphQL */ "{ me { id } }",
      {},
      { authorization: `Bearer ${withK1}` },
    );
    expect(onFirst.data?.me.id).toBe(id);
    const retired = await graphqlRequest(
      replicaUrl,
      /* GraphQL */ "{ me { id } }",
      {},
      { authorization: `Bearer ${withK1}` },
    );
    expect([retired.status, codeOf(retired), retired.errors?.[0]?.message]).toEqual([
      401,
      "UNAUTHENTICATED",
      "Invalid access token",
    ]);
  });

  it("logout through one replica: the access token gets 401 UNAUTHENTICATED on the other within 5 s", async () => {
    const headers = await platform.login("staff@example.com");
    const me = () =>
      graphqlRequest<{ me: { id: string } | null }>(replicaUrl, /* GraphQL */ "{ me { id } }", {}, headers);
    expect((await me()).data?.me?.id).toEqual(expect.any(String)); // the replica's cache is warm
    expect((await platform.query(/* GraphQL */ "mutation { logout }", {}, headers)).data).toEqual({ logout: true });
    const elapsed = await within(5_000, me, (res) => res.status === 401 && codeOf(res) === "UNAUTHENTICATED");
    expect(elapsed).toBeLessThan(5_000);
  });

  it("the example CLI: change-password needs the current password, and logout ends the stored token at the gateway", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fedplat-sessions-e2e-"));
    try {
      const session = join(dir, "session.json");
      const env = { ...process.env, FEDPLAT_URL: replicaUrl, FEDPLAT_SESSION: session };
      const cli = async (...args: string[]) =>
        (await run(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: repoRoot, env })).stdout;
      const email = `cli-sessions-${randomUUID()}@example.com`;
      expect(await cli("register", email, "Passw0rd!x", "CLI")).toContain(`Registered and logged in as ${email}`);
      const wrong = await run(
        process.execPath,
        ["--import", "tsx", CLI, "change-password", "Wrong-pass1", "Newer-pass1"],
        { cwd: repoRoot, env },
      ).catch((error: { code: number; stderr: string }) => error);
      expect(wrong).toMatchObject({ code: 1, stderr: expect.stringContaining("currentPassword: incorrect") });
      expect(await cli("change-password", "Passw0rd!x", "Newer-pass1")).toContain(`Password changed for ${email}`);
      const { accessToken } = JSON.parse(readFileSync(session, "utf8")) as { accessToken: string };
      const me = () =>
        graphqlRequest<{ me: { id: string } | null }>(
          replicaUrl,
          /* GraphQL */ "{ me { id } }",
          {},
          { authorization: `Bearer ${accessToken}` },
        );
      expect((await me()).data?.me?.id).toEqual(expect.any(String));
      expect(await cli("logout")).toContain("Logged out");
      await within(5_000, me, (res) => res.status === 401 && codeOf(res) === "UNAUTHENTICATED");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("closes a subscription with 4403 at its first event after its session was logged out (within 5 s)", async () => {
    const email = `ws-sessions-${randomUUID()}@example.com`;
    await platform.query(
      'mutation($e: String!) { register(input: { email: $e, password: "Passw0rd!x", name: "WS" }) { email } }',
      { e: email },
    );
    const headers = await platform.login(email, "Passw0rd!x");
    const me = await platform.query<{ me: { id: string } }>(/* GraphQL */ "{ me { id } }", {}, headers);
    const userId = me.data?.me.id ?? "";
    const placed = await platform.query<{ placeOrder: { id: string } }>(
      /* GraphQL */ "mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }",
      { p: buildSeedData().products.find((p) => p.stock >= 10)?.id },
      headers,
    );
    const orderId = placed.data?.placeOrder.id ?? "";
    const client = subscriptionClient(replicaUrl, { authorization: headers.authorization });
    const redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "sessions-e2e");
    try {
      const watch = client.watch(
        /* GraphQL */ "subscription($id: ID!) { orderStatusChanged(orderId: $id) { id status } }",
        {
          id: orderId,
        },
      );
      await watch.next();
      expect((await platform.query(/* GraphQL */ "mutation { logout }", {}, headers)).data).toEqual({ logout: true });
      // Events keep coming (one every 200 ms); the first one checked after the replica's session
      // cache expires closes the connection.
      const started = Date.now();
      let closed: Closed | undefined;
      void client.closed.then((value) => (closed = value));
      while (!closed && Date.now() - started < 5_000) {
        await redis.publish(
          platform.liveUpdatesChannel,
          JSON.stringify({ typename: "Order", id: orderId, ownerId: userId }),
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(await client.closed).toEqual({ code: 4403, reason: "Session ended or role changed: log in again" });
      expect(Date.now() - started).toBeLessThan(5_500);
    } finally {
      redis.disconnect();
      await client.dispose();
    }
  });

  it("closes an idle subscription with 4403 within 5 s of logout, without any event", async () => {
    const email = `ws-idle-${randomUUID()}@example.com`;
    await platform.query(
      'mutation($e: String!) { register(input: { email: $e, password: "Passw0rd!x", name: "WS" }) { email } }',
      { e: email },
    );
    const headers = await platform.login(email, "Passw0rd!x");
    const client = subscriptionClient(replicaUrl, { authorization: headers.authorization });
    try {
      await new Promise<void>((resolve) => client.client.on("connected", () => resolve()));
      const watch = client.watch("subscription { myOrderUpdates { id status } }");
      expect((await platform.query("mutation { logout }", {}, headers)).data).toEqual({ logout: true });
      // No event is published: the replica's session sweep alone closes the connection.
      const closed = await Promise.race([
        client.closed,
        new Promise<"still open">((resolve) => setTimeout(() => resolve("still open"), 5_000).unref()),
      ]);
      expect(closed).toEqual({ code: 4403, reason: "Session ended or role changed: log in again" });
      expect(watch.events).toEqual([]);
    } finally {
      await client.dispose();
    }
  });
});
