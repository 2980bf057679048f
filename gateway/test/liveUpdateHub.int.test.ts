import { randomUUID } from "node:crypto";
import { createLogger, createRedis, type Redis } from "@fedplat/runtime";
import { waitFor } from "@fedplat/devkit";
import type { LiveUpdate } from "@fedplat/events";
import { createLiveUpdateHub, type LiveUpdateHub } from "../src/features/subscriptions";

let redis: Redis;
let hub: LiveUpdateHub;
const channel = `test:live:${randomUUID()}`;
const connectionName = `test-live-${randomUUID().slice(0, 8)}`;
const received: LiveUpdate[] = [];
let subscribed = 0;

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "live-update-hub-test");
  hub = createLiveUpdateHub({ redis, channel, connectionName, logger: createLogger("test", "silent") });
  hub.listenAll((update) => received.push(update));
  hub.onSubscribed(() => {
    subscribed += 1;
  });
  await hub.ready();
});
afterAll(async () => {
  await hub?.close();
  await redis?.quit();
});

const update = (id: string): LiveUpdate => ({ typename: "Payment", id, ownerId: "owner-1" });

it("hands every update to listenAll listeners, whatever its keys", async () => {
  await redis.publish(channel, JSON.stringify(update("a")));
  await waitFor("the update", () => received.some((each) => each.id === "a"));
  expect(received.find((each) => each.id === "a")).toEqual(update("a"));
});

it("tells onSubscribed listeners when the subscription is back after its connection was lost, and delivers again", async () => {
  await waitFor("the first subscription", () => subscribed >= 1);
  const before = subscribed;
  const clients = (await redis.client("LIST")) as string;
  const id = clients
    .split("\n")
    .find((line) => line.includes(` name=${connectionName} `))
    ?.match(/^id=(\d+)/)?.[1];
  if (!id) throw new Error("the hub's connection is not in CLIENT LIST");
  await redis.client("KILL", "ID", id);

  await waitFor("the re-subscription", () => subscribed > before);
  await hub.ready();
  await redis.publish(channel, JSON.stringify(update("b")));
  await waitFor("an update after the reconnect", () => received.some((each) => each.id === "b"));
});
