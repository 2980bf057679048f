import { randomUUID } from "node:crypto";
import { createLogger, createRedis, type Redis } from "@fedplat/runtime";
import type { Viewer } from "@fedplat/auth";
import { type CacheGenerations, createCacheGenerations } from "../src/features/responseCache/cacheGenerations";
import { createRedisKeyValueCache } from "../src/features/responseCache/redisKeyValueCache";

let redis: Redis;
let generations: CacheGenerations;
const customer: Viewer = { id: randomUUID(), roles: ["CUSTOMER"], scopes: [] };
const otherCustomer: Viewer = { id: randomUUID(), roles: ["CUSTOMER"], scopes: [] };
const staff: Viewer = { id: randomUUID(), roles: ["STAFF"], scopes: [] };
const admin: Viewer = { id: randomUUID(), roles: ["ADMIN"], scopes: [] };

beforeAll(() => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "cache-generations-test");
  generations = createCacheGenerations(
    createRedisKeyValueCache(redis, `test:generations:${randomUUID()}:`, createLogger("test", "silent")),
    ["STAFF", "ADMIN"],
  );
});
afterAll(async () => {
  await redis?.quit();
});

const all = [customer, otherCustomer, staff, admin];
const snapshot = () => Promise.all(all.map((viewer) => generations.of(viewer)));
/** Renewals from live updates are written on the next turn of the event loop. */
async function afterRenewals(): Promise<string[]> {
  await new Promise((resolve) => setImmediate(resolve));
  await redis.ping(); // the renewals' SETs went out before this, on the same connection
  return snapshot();
}

it("renews what an entity's owner and all staff can read when it changes, and nobody else's", async () => {
  const [c, o, s, a] = await snapshot();
  generations.changed({ typename: "Order", id: randomUUID(), ownerId: customer.id });
  const [c2, o2, s2, a2] = await afterRenewals();
  expect(c2).not.toBe(c);
  expect(o2).toBe(o);
  expect(s2).not.toBe(s);
  expect(a2).not.toBe(a);
});

it("renews a viewer's own generation before their mutation's response is sent", async () => {
  const [c, o, s] = await snapshot();
  await generations.renewViewer(customer);
  const [c2, o2, s2] = await snapshot();
  expect(c2).not.toBe(c);
  expect(o2).toBe(o);
  expect(s2).toBe(s);
});

it("renews everyone's when live updates may have been missed", async () => {
  const before = await snapshot();
  generations.changedEverything();
  const after = await afterRenewals();
  for (const [i, generation] of after.entries()) expect(generation).not.toBe(before[i]);
});

it("stays the same while nothing changes", async () => {
  expect(await snapshot()).toEqual(await snapshot());
});
