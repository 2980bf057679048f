import { randomUUID } from "node:crypto";
import { createMetrics, createRedis, type Redis } from "@fedplat/runtime";
import { signAccessToken } from "@fedplat/auth";
import { bearer, TEST_GATEWAY_KEY, TEST_JWT_SECRET } from "@fedplat/devkit";
import { accountsIdentity, createCredentials, createIdentityFeature } from "../../src/features/identity";
import { createAddressBudgetFeature, createRateLimitFeature, createRateLimits } from "../../src/features/rateLimits";
import { defaultLimits } from "../../src/limits";
import { serveFeatures } from "./httpHarness";

let redis: Redis;
beforeAll(() => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "rate-limit-feature-test");
});
afterAll(() => redis.quit());

const credentials = createCredentials({
  accountsUrl: "http://127.0.0.1:9/graphql",
  identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
  signingKey: TEST_GATEWAY_KEY,
});
const rejectedTotal = async (registry: ReturnType<typeof createMetrics>["registry"], kind: string) =>
  Number(
    new RegExp(`^gateway_rate_limited_total\\{kind="${kind}"[^}]*\\} (\\d+)$`, "m").exec(
      await registry.metrics(),
    )?.[1] ?? 0,
  );

/** The three features in the builder's order, with counters of their own. */
async function serve(rate: Partial<typeof defaultLimits.rate>) {
  const metrics = createMetrics("gateway");
  const limiters = createRateLimits(
    redis,
    { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}`, ...rate },
    metrics.registry,
  );
  const harness = await serveFeatures([
    createAddressBudgetFeature(limiters),
    createIdentityFeature({
      credentials,
      signingKey: TEST_GATEWAY_KEY,
      onInvalidCredentials: limiters.invalidCredentials,
    }),
    createRateLimitFeature(limiters),
  ]);
  return { harness, registry: metrics.registry, limiters };
}

describe("rate-limit features", () => {
  it("holds every request from an address to its budget before credentials are looked up (429 RATE_LIMITED, kind ip)", async () => {
    const { harness, registry } = await serve({ ipPerMinute: 2, userPerMinute: 100 });
    const token = bearer(await signAccessToken({ id: randomUUID(), role: "CUSTOMER" }, TEST_JWT_SECRET));
    expect((await harness.post({ query: /* GraphQL */ "{ a }" }, token)).status).toBe(200);
    expect((await harness.post({ query: /* GraphQL */ "{ a }" }, token)).status).toBe(200);
    const third = await harness.post({ query: /* GraphQL */ "{ a }" }, token);
    expect(third.status).toBe(429);
    expect(third.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    expect(third.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await rejectedTotal(registry, "ip")).toBe(1);
    await harness.close();
  });

  it("refuses an address that sent too many bad credentials before looking up any more (kind invalidCredentials)", async () => {
    const { harness, registry } = await serve({ invalidCredentialsPerMinute: 2 });
    const forged = bearer(
      await signAccessToken({ id: randomUUID(), role: "ADMIN" }, "not-the-secret-not-the-secret-not-the-secret"),
    );
    expect((await harness.post({ query: /* GraphQL */ "{ a }" }, forged)).status).toBe(401);
    expect((await harness.post({ query: /* GraphQL */ "{ a }" }, forged)).status).toBe(401);
    const refused = await harness.post({ query: /* GraphQL */ "{ a }" });
    expect(refused.status).toBe(429);
    expect(await rejectedTotal(registry, "invalidCredentials")).toBe(1);
    await harness.close();
  });

  it("holds each user to their own budget, read from the viewer identity left in the request state (kind user)", async () => {
    const { harness, registry } = await serve({ userPerMinute: 1 });
    const alice = bearer(await signAccessToken({ id: randomUUID(), role: "CUSTOMER" }, TEST_JWT_SECRET));
    const bob = bearer(await signAccessToken({ id: randomUUID(), role: "CUSTOMER" }, TEST_JWT_SECRET));
    expect((await harness.post({ query: /* GraphQL */ "{ a }" }, alice)).headers.get("ratelimit-remaining")).toBe("0");
    expect((await harness.post({ query: /* GraphQL */ "{ a }" }, alice)).status).toBe(429);
    expect((await harness.post({ query: /* GraphQL */ "{ a }" }, bob)).status).toBe(200);
    expect(await rejectedTotal(registry, "user")).toBe(1);
    await harness.close();
  });

  it("fails loudly when placed before identity: the order in server.ts is load-bearing", async () => {
    const metrics = createMetrics("gateway");
    const limiters = createRateLimits(
      redis,
      { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` },
      metrics.registry,
    );
    const harness = await serveFeatures([createRateLimitFeature(limiters)]);
    const response = await harness.post({ query: /* GraphQL */ "{ a }" });
    expect(response.status).toBe(500);
    expect(response.body.errors?.[0]?.message).toMatch(/before the identity feature ran/);
    await harness.close();
  });
});
