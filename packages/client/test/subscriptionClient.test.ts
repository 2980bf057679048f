import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { buildSchema, GraphQLError } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { createSubscriptionClient, GraphQLRequestError, SubscriptionClosedError, TypedDocumentString } from "../src";

/** A real graphql-ws server on a free port: counts down, or fails, and records what each client sent. */
const schema = buildSchema(/* GraphQL */ `
  type Query { ok: Boolean }
  type Subscription { countdown(from: Int!): Int!  failing: Int! }
`);
const roots = {
  countdown: async function* ({ from }: { from: number }) {
    for (let n = from; n >= 0; n--) yield { countdown: n };
  },
  // The event's field fails when resolved: the event arrives with errors.
  failing: async function* () {
    yield {
      failing: () => {
        throw new GraphQLError("The order stream broke", { extensions: { code: "INTERNAL_SERVER_ERROR" } });
      },
    };
  },
};

let server: Server;
let url: string;
const seen: Array<{ authorization?: unknown; query?: unknown; extensions?: unknown }> = [];

beforeAll(async () => {
  server = createServer();
  const wss = new WebSocketServer({ server, path: "/graphql" });
  useServer(
    {
      schema,
      roots: { subscription: roots },
      // As the gateway refuses an expired token: its own close code, before graphql-ws's 4403.
      onConnect: (ctx) => {
        if (ctx.connectionParams?.authorization !== "Bearer expired") return true;
        ctx.extra.socket.close(4401, "Access token expired");
        return false;
      },
      onSubscribe: (ctx, _id, payload) =>
        void seen.push({
          authorization: ctx.connectionParams?.authorization,
          query: payload.query,
          extensions: payload.extensions,
        }),
    },
    wss,
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

// As codegen writes them: the manifest holds a normalized copy of the text, whose hash is the id.
const COUNTDOWN_TRUSTED = /* GraphQL */ "subscription Countdown($from: Int!) { countdown(from: $from) }";
const COUNTDOWN_ID = createHash("sha256").update(COUNTDOWN_TRUSTED).digest("hex");
const manifest = { [`sha256:${COUNTDOWN_ID}`]: COUNTDOWN_TRUSTED };
const Countdown = new TypedDocumentString<{ countdown: number }, { from: number }>(
  /* GraphQL */ "subscription Countdown($from: Int!) {\n  countdown(from: $from)\n}",
  { hash: `sha256:${COUNTDOWN_ID}` },
);
const Failing = new TypedDocumentString<{ failing: number }, Record<string, never>>(
  /* GraphQL */ "subscription Failing { failing }",
);

describe("subscription client (graphql-ws)", () => {
  it("yields each event's typed data, sending the token, the manifest's text and its persisted id", async () => {
    const client = createSubscriptionClient({
      url,
      token: () => "token-123",
      persistedDocuments: manifest,
      retryAttempts: 0,
    });
    const values: number[] = [];
    for await (const event of client.subscribe(Countdown, { from: 3 })) values.push(event.countdown);
    await client.close();
    expect(values).toEqual([3, 2, 1, 0]);
    expect(seen.at(-1)).toEqual({
      authorization: "Bearer token-123",
      query: COUNTDOWN_TRUSTED,
      extensions: { persistedQuery: { version: 1, sha256Hash: COUNTDOWN_ID } },
    });
  });

  it("sends a document missing from the manifest (or without one) as its own text, without an id that would not match it", async () => {
    const client = createSubscriptionClient({ url, retryAttempts: 0 });
    for await (const _event of client.subscribe(Countdown, { from: 0 })) void _event;
    await client.close();
    expect(seen.at(-1)).toEqual({ authorization: undefined, query: Countdown.toString(), extensions: undefined });
  });

  it("unsubscribes when the consumer stops early", async () => {
    const client = createSubscriptionClient({ url, retryAttempts: 0 });
    const values: number[] = [];
    for await (const event of client.subscribe(Countdown, { from: 100 })) {
      values.push(event.countdown);
      if (values.length === 2) break;
    }
    await client.close();
    expect(values).toEqual([100, 99]);
  });

  it("turns a GraphQL error in the stream into a GraphQLRequestError with its code", async () => {
    const client = createSubscriptionClient({ url, retryAttempts: 0 });
    const consume = async () => {
      for await (const _event of client.subscribe(Failing)) void _event;
    };
    await expect(consume()).rejects.toThrow(GraphQLRequestError);
    await expect(consume()).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR", message: "The order stream broke" });
    await client.close();
  });

  it("turns a refused subscription (validation error) into a GraphQLRequestError", async () => {
    const client = createSubscriptionClient({ url, retryAttempts: 0 });
    const Unknown = new TypedDocumentString<{ nope: number }, Record<string, never>>(
      /* GraphQL */ "subscription { nope }",
    );
    const consume = async () => {
      for await (const _event of client.subscribe(Unknown)) void _event;
    };
    await expect(consume()).rejects.toMatchObject({
      name: "GraphQLRequestError",
      message: expect.stringContaining("nope"),
    });
    await client.close();
  });

  it("rejects with a SubscriptionClosedError carrying the close code and reason when the server closes the connection", async () => {
    const client = createSubscriptionClient({ url, token: () => "expired", retryAttempts: 0 });
    const consume = async () => {
      for await (const _event of client.subscribe(Countdown, { from: 1 })) void _event;
    };
    const error = await consume().catch((cause: unknown) => cause);
    expect(error).toBeInstanceOf(SubscriptionClosedError);
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect(error).toMatchObject({ closeCode: 4401, reason: "Access token expired", code: "SUBSCRIPTION_CLOSED" });
    await client.close();
  });
});
