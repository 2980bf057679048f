import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ApolloServer } from "@apollo/server";
import { createLogger, createMetrics, createRedis, type Redis } from "@fedplat/runtime";
import { signAccessToken } from "@fedplat/auth";
import { repoRoot, TEST_GATEWAY_KEY, TEST_JWT_SECRET } from "@fedplat/devkit";
import WebSocket from "ws";
import { apiSchemaOf } from "@fedplat/tools";
import type { GatewayContext } from "../../src/context";
import { accountsIdentity, createCredentials } from "../../src/features/identity";
import { createTrustedDocuments, manifestOf } from "../../src/features/persistedDocuments";
import {
  createLiveUpdateHub,
  createSubscriptionsFeature,
  type LiveUpdateHub,
  SubscriptionCloseCode,
} from "../../src/features/subscriptions";
import { defaultLimits } from "../../src/limits";

const TRUSTED = /* GraphQL */ "subscription Mine { myOrderUpdates { id status } }";
const logger = createLogger("subscriptions-feature-test", "silent");

let redis: Redis;
let hub: LiveUpdateHub;
let httpServer: http.Server;
let apollo: ApolloServer<GatewayContext>;
let url: string;
let feature: ReturnType<typeof createSubscriptionsFeature>;

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "subscriptions-feature-test");
  hub = createLiveUpdateHub({ redis, channel: `test:live:${randomUUID()}`, logger });
  feature = createSubscriptionsFeature({
    credentials: createCredentials({
      accountsUrl: "http://127.0.0.1:9/graphql",
      identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
      signingKey: TEST_GATEWAY_KEY,
    }),
    trustedDocuments: createTrustedDocuments({
      mode: "enforce",
      manifest: manifestOf([TRUSTED]),
    }),
    hub,
    logger,
    registry: createMetrics("gateway").registry,
    production: false,
    limits: defaultLimits,
  });
  // No event is executed here: an Apollo Server of its own stands in for the gateway's, carrying the feature's plugins.
  apollo = new ApolloServer<GatewayContext>({
    typeDefs: /* GraphQL */ "type Query { ok: Boolean }",
    plugins: [...(feature.apolloPlugins ?? [])],
  });
  await apollo.start();
  httpServer = http.createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  url = `ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}/graphql`;
  const supergraphSdl = readFileSync(join(repoRoot, "supergraph.graphql"), "utf8");
  await feature.attach?.({
    apollo,
    apiSchema: apiSchemaOf(supergraphSdl),
    supergraphSdl,
    httpServer,
    validationRules: [],
    prewarmQueryPlan: async () => false,
  });
});
afterAll(async () => {
  await hub.close();
  await redis.quit();
  await new Promise((resolve) => httpServer.close(resolve));
});

interface Connection {
  socket: WebSocket;
  messages: Array<{ type: string; id?: string; payload?: unknown }>;
  closed: Promise<number>;
  next(type: string): Promise<{ type: string; payload?: unknown }>;
}

/** A raw graphql-transport-ws connection that sends connection_init with `params`. */
async function connect(params: Record<string, unknown>): Promise<Connection> {
  const socket = new WebSocket(url, "graphql-transport-ws");
  const messages: Connection["messages"] = [];
  const waiting: Array<() => void> = [];
  socket.on("message", (data) => {
    messages.push(JSON.parse(String(data)));
    for (const wake of waiting.splice(0)) wake();
  });
  const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
  await new Promise((resolve) => socket.on("open", resolve));
  socket.send(JSON.stringify({ type: "connection_init", payload: params }));
  const next = async (type: string) => {
    for (;;) {
      const found = messages.find((message) => message.type === type);
      if (found) return found;
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };
  return { socket, messages, closed, next };
}

describe("subscriptions feature", () => {
  it("closes a connection without credentials with 4401", async () => {
    const connection = await connect({});
    expect(await connection.closed).toBe(SubscriptionCloseCode.Unauthorized);
  });

  it("refuses a subscribe message outside the manifest with the same check and code as HTTP", async () => {
    const token = await signAccessToken({ id: randomUUID(), role: "CUSTOMER" }, TEST_JWT_SECRET);
    const connection = await connect({ authorization: `Bearer ${token}` });
    await connection.next("connection_ack");
    connection.socket.send(
      JSON.stringify({
        id: "1",
        type: "subscribe",
        payload: { query: /* GraphQL */ "subscription { notificationAdded { id } }" },
      }),
    );
    expect(await connection.next("error")).toMatchObject({
      payload: [{ extensions: { code: "PERSISTED_QUERY_REQUIRED" } }],
    });
    connection.socket.close();
    await connection.closed;
  });

  it("is drained with Apollo: stopping the server closes every connection with 1001", async () => {
    const token = await signAccessToken({ id: randomUUID(), role: "CUSTOMER" }, TEST_JWT_SECRET);
    const connection = await connect({ authorization: `Bearer ${token}` });
    await connection.next("connection_ack");
    expect(feature.subscriptions.stats().connections).toBe(1);
    await apollo.stop();
    expect(await connection.closed).toBe(SubscriptionCloseCode.GoingAway);
    expect(feature.subscriptions.stats().connections).toBe(0);
  });
});
