import { randomUUID } from "node:crypto";
import { createLogger, createMetrics, createRedis, type Redis } from "@fedplat/runtime";
import type { Viewer } from "@fedplat/auth";
import { createResponseCacheFeature } from "../../src/features/responseCache";
import { createRedisKeyValueCache } from "../../src/features/responseCache/redisKeyValueCache";
import { createLiveUpdateHub, type LiveUpdateHub } from "../../src/features/subscriptions";
import { startApollo } from "./apolloHarness";

let redis: Redis;
let hub: LiveUpdateHub;
const logger = createLogger("response-cache-feature-test", "silent");
beforeAll(() => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "response-cache-feature-test");
  hub = createLiveUpdateHub({ redis, channel: `test:live:${randomUUID()}`, logger });
});
afterAll(async () => {
  await hub.close();
  await redis.quit();
});

async function start() {
  const metrics = createMetrics("gateway");
  const feature = createResponseCacheFeature({
    cache: createRedisKeyValueCache(redis, `test:rc:${randomUUID()}:`, logger),
    registry: metrics.registry,
    liveUpdates: hub,
    staffRoles: ["STAFF", "ADMIN"],
  });
  return { ...(await startApollo([feature])), registry: metrics.registry };
}
const alice: Viewer = { id: randomUUID(), roles: ["CUSTOMER"], scopes: [], kind: "user" };

describe("response cache feature", () => {
  it("serves a public answer again from the cache over HTTP (x-cache HIT), never to in-process executions", async () => {
    const { apollo, run, counts, registry } = await start();
    const first = await run(/* GraphQL */ "{ hello }");
    await redis.ping(); // the plugin stores in the background, on this same connection: stored once ping answers
    const second = await run(/* GraphQL */ "{ hello }");
    expect([first.http.headers.get("x-cache"), second.http.headers.get("x-cache")]).toEqual(["MISS", "HIT"]);
    expect(counts.hello).toBe(1);
    await run(/* GraphQL */ "{ hello }", {}, { overHttp: false });
    expect(counts.hello).toBe(2);
    expect(await registry.metrics()).toMatch(/^gateway_response_cache_requests_total\{status="HIT"[^}]*\} 1$/m);
    await apollo.stop();
  });

  it("keeps private answers per viewer, none for anonymous callers, and renews a viewer's entries after their mutation", async () => {
    const { apollo, run } = await start();
    const status = async (query: string, viewer: typeof alice | null) => {
      const response = await run(query, { viewer });
      await redis.ping(); // stored in the background on this same connection
      return response.http.headers.get("x-cache");
    };
    expect(await status(/* GraphQL */ "{ mine }", null)).toBe("MISS");
    expect(await status(/* GraphQL */ "{ mine }", null)).toBe("MISS");
    expect(await status(/* GraphQL */ "{ mine }", alice)).toBe("MISS");
    expect(await status(/* GraphQL */ "{ mine }", alice)).toBe("HIT");
    expect(await status(/* GraphQL */ "{ mine }", { ...alice, id: randomUUID() })).toBe("MISS");
    expect(await status(/* GraphQL */ 'mutation { rename(name: "x") }', alice)).toBe("BYPASS");
    expect(await status(/* GraphQL */ "{ mine }", alice)).toBe("MISS");
    await apollo.stop();
  });
});
