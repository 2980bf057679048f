import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApolloGateway } from "@apollo/gateway";
import { repoRoot } from "@fedplat/devkit";
import { composeSubgraphs } from "@fedplat/tools";
import type { LiveUpdate } from "@fedplat/events";
import { type GraphQLError, type GraphQLSchema, parse, print } from "graphql";
import { acceptAuthorizationSpecs } from "../src/features/authorization";
import { defaultSubscriptionLimits, loadSubscriptionsConfig } from "../src/features/subscriptions/config";
import { liveFieldTable } from "../src/features/subscriptions/liveFields";
import { createLivePlanner, type LivePlan, SUBSCRIPTION_NOT_SERVED } from "../src/features/subscriptions/livePlan";
import { DeferredEvent, type LaterPart } from "../src/features/subscriptions/deferredEvent";
import { LiveSubscription } from "../src/features/subscriptions/liveSubscription";

const supergraphSdl = readFileSync(join(repoRoot, "supergraph.graphql"), "utf8");
const live = liveFieldTable(supergraphSdl);
let schema: GraphQLSchema;

/** The API schema of a supergraph, as the gateway builds it. */
async function apiSchemaOf(sdl: string): Promise<GraphQLSchema> {
  acceptAuthorizationSpecs(); // as the gateway's authorization feature does
  const gateway = new ApolloGateway({
    supergraphSdl: sdl,
    queryPlannerConfig: { incrementalDelivery: { enableDefer: true } }, // declares @defer, as server.ts does
  });
  const loaded = (await gateway.load()).schema;
  await gateway.stop();
  return loaded;
}

beforeAll(async () => {
  schema = await apiSchemaOf(supergraphSdl);
});

const planner = () => createLivePlanner({ schema, live, validationRules: [], maxTokens: 2_000 });

describe("subscription documents become the query each event runs", () => {
  it("runs the subscriber's selection, fragments and remaining variables under Query.order, keeping the response key", () => {
    const plan = planner()(/* GraphQL */ `
      subscription Watch($id: ID!, $n: Int) { watched: orderStatusChanged(orderId: $id) { status ...Lines customer { orders(first: $n) { id } } } }
      fragment Lines on Order { lines { quantity product { name } } }
    `) as LivePlan;
    expect(plan.responseKey).toBe("watched");
    expect(plan.queryVariables).toEqual(["n"]);
    expect(plan.query).toBe(
      print(
        parse(/* GraphQL */ `
        query Watch($n: Int, $fedplatLiveId: ID!) { watched: order(id: $fedplatLiveId) { status ...Lines customer { orders(first: $n) { id } } } }
        fragment Lines on Order { lines { quantity product { name } } }
      `),
      ),
    );
  });

  it("reads notificationAdded through Query.notification, also when the root field sits in a fragment", () => {
    const plan = planner()(
      /* GraphQL */ "subscription { ...Root } fragment Root on Subscription { notificationAdded { template } }",
    ) as LivePlan;
    expect(plan.query).toBe(
      print(
        parse(
          /* GraphQL */ "query ($fedplatLiveId: ID!) { notificationAdded: notification(id: $fedplatLiveId) { template } }",
        ),
      ),
    );
  });

  it("refuses what cannot be a subscription here, with a code", () => {
    const plan = planner();
    const codes = (query: string) => (plan(query) as readonly GraphQLError[]).map((error) => error.extensions.code);
    expect(codes(/* GraphQL */ "subscription { myOrderUpdates { id ")).toEqual(["GRAPHQL_PARSE_FAILED"]);
    expect(codes(/* GraphQL */ "subscription { myOrderUpdates { nope } }")).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(codes(/* GraphQL */ "subscription { myOrderUpdates { id } notificationAdded { id } }")).toEqual([
      "GRAPHQL_VALIDATION_FAILED",
    ]);
    expect(codes(/* GraphQL */ "{ me { id } }")).toEqual(["BAD_REQUEST"]);
    expect(
      codes(/* GraphQL */ "subscription($fedplatLiveId: ID) { myOrderUpdates { id lines { quantity } } }"),
    ).toContain("GRAPHQL_VALIDATION_FAILED"); // unused variable
    expect(
      codes(/* GraphQL */ "subscription($fedplatLiveId: ID!) { orderStatusChanged(orderId: $fedplatLiveId) { id } }"),
    ).toEqual(["BAD_USER_INPUT"]);
  });

  it("hides field suggestions, as on HTTP", () => {
    const [error] = planner()(/* GraphQL */ "subscription { myOrderUpdates { statu } }") as readonly GraphQLError[];
    expect(error?.message).toBe('Cannot query field "statu" on type "Order". [Suggestion hidden]');
  });

  it("marks a document that defers, and only such a document, for delivery in parts", () => {
    const plan = planner();
    const deferred = plan(/* GraphQL */ `
      subscription { myOrderUpdates { id ...Later } }
      fragment Later on Order { ... @defer(label: "lines") { lines { quantity } } }
    `) as LivePlan;
    expect(deferred.deferred).toBe(true);
    expect(deferred.query).toContain('@defer(label: "lines")');
    expect((plan(/* GraphQL */ "subscription { myOrderUpdates { id } }") as LivePlan).deferred).toBe(false);
    // Around the root field, @defer goes with the fragment on Subscription: the root is the event itself.
    expect((plan(/* GraphQL */ "subscription { ... @defer { myOrderUpdates { id } } }") as LivePlan).deferred).toBe(
      false,
    );
  });

  it("checks and rewrites each distinct document once", () => {
    const plan = planner();
    const query = /* GraphQL */ "subscription { myOrderUpdates { id } }";
    expect(plan(query)).toBe(plan(query));
  });
});

describe("which subscriptions are served comes from the subgraphs' @live declarations", () => {
  it("serves every Subscription field of the committed supergraph as its subgraph declares", () => {
    const { fields, refused } = live;
    expect([...refused]).toEqual([]);
    const shape = (name: string) => {
      const { route: _route, ...rest } = fields.get(name) ?? { route: undefined };
      return rest;
    };
    expect(shape("orderStatusChanged")).toEqual({
      typename: "Order",
      queryField: "order",
      idArgument: "id",
      initialState: true,
    });
    expect(shape("myOrderUpdates")).toEqual({
      typename: "Order",
      queryField: "order",
      idArgument: "id",
      initialState: false,
    });
    expect(shape("notificationAdded")).toEqual({
      typename: "Notification",
      queryField: "notification",
      idArgument: "id",
      initialState: false,
    });
    const viewer = { id: "u1", roles: ["CUSTOMER"], scopes: [] };
    expect(fields.get("orderStatusChanged")?.route({ orderId: "o1" }, viewer)).toEqual({ by: "id", id: "o1" });
    expect(fields.get("myOrderUpdates")?.route({}, viewer)).toEqual({ by: "owner", ownerId: "u1" });
  });

  /** A supergraph of one subgraph whose Subscription fields are declared (or not) as given. */
  function supergraphWith(subscriptionFields: string, link = 'import: ["@live"]', name = "@live") {
    return composeSubgraphs([
      {
        name: "things",
        url: "http://things/graphql",
        sdl: /* GraphQL */ `
          extend schema
            @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@composeDirective", "@inaccessible"])
            @link(url: "https://fedplat.dev/live/v1.0", ${link})
            @composeDirective(name: "${name}")
          type Thing @key(fields: "id") { id: ID! name: String! }
          type Query { thing(thingId: ID!): Thing hidden(id: ID!): Thing @inaccessible }
          type Subscription { ${subscriptionFields} }
        `,
      },
    ]).supergraphSdl;
  }

  it("reads defaults and renamed imports: typename is the field's type, the query's id argument is id unless named", () => {
    const sdl = supergraphWith(
      'thingChanged(id: ID!): Thing! @watch(query: "thing", queryIdArgument: "thingId", idArgument: "id")',
      'import: [{ name: "@live", as: "@watch" }]',
      "@watch",
    );
    const { fields, refused } = liveFieldTable(sdl);
    expect([...refused]).toEqual([]);
    expect(fields.get("thingChanged")).toMatchObject({
      typename: "Thing",
      queryField: "thing",
      idArgument: "thingId",
      initialState: true,
    });
  });

  it("refuses only the fields it cannot serve, each with its reason and SUBSCRIPTION_NOT_SERVED, and serves the others", async () => {
    const sdl = supergraphWith(/* GraphQL */ `
      declared: Thing! @live(query: "thing", queryIdArgument: "thingId")
      undeclared: Thing!
      wrongQuery: Thing! @live(query: "nothing")
      wrongArgument(id: ID): Thing! @live(query: "thing", queryIdArgument: "thingId", idArgument: "id")
      throughHidden: Thing! @live(query: "hidden")
      notForClients: Thing! @inaccessible
    `);
    const live = liveFieldTable(sdl);
    expect([...live.fields.keys()]).toEqual(["declared"]);
    expect(Object.fromEntries(live.refused)).toEqual({
      undeclared: "Subscription.undeclared has no @live declaration in its subgraph's SDL",
      wrongQuery:
        "Subscription.wrongQuery is read through Query.nothing(id:), which the supergraph's API does not have",
      wrongArgument:
        "Subscription.wrongArgument watches the entity its argument id names: it needs such a non-null argument",
      throughHidden:
        "Subscription.throughHidden is read through Query.hidden(id:), which the supergraph's API does not have",
    });
    const plan = createLivePlanner({ schema: await apiSchemaOf(sdl), live, validationRules: [], maxTokens: 2_000 });
    expect(plan("subscription { declared { name } }")).toMatchObject({
      query: print(parse("query ($fedplatLiveId: ID!) { declared: thing(thingId: $fedplatLiveId) { name } }")),
    });
    const [error] = plan("subscription { undeclared { name } }") as readonly GraphQLError[];
    expect(error?.extensions.code).toBe(SUBSCRIPTION_NOT_SERVED);
    expect(error?.message).toBe(
      "Subscription.undeclared has no @live declaration in its subgraph's SDL: the gateway cannot serve it",
    );
  });
});

describe("a subscription's event queue", () => {
  const update = (id: string): LiveUpdate => ({ typename: "Order", id, ownerId: "u1" });

  function subscription(queueLimit: number) {
    const calls = { overflow: 0, closed: 0, resolved: [] as string[] };
    const live = new LiveSubscription({
      queueLimit,
      resolve: async (u) => {
        calls.resolved.push(u.id);
        return { data: { order: { id: u.id } } };
      },
      onOverflow: () => {
        calls.overflow += 1;
      },
      onClose: () => {
        calls.closed += 1;
      },
    });
    return { live, calls };
  }

  it("ends a pending next() at once when the client leaves, and releases once", async () => {
    const { live, calls } = subscription(10);
    const pending = live.next();
    await live.return();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    await live.return();
    expect(calls.closed).toBe(1);
  });

  it("delivers updates in order, each resolved when the client takes it", async () => {
    const { live, calls } = subscription(10);
    live.push(update("a"), 1);
    live.push(update("b"), 2);
    expect(calls.resolved).toEqual([]);
    expect((await live.next()).value).toEqual({ data: { order: { id: "a" } } });
    expect((await live.next()).value).toEqual({ data: { order: { id: "b" } } });
  });

  /** An event in two parts whose later part comes when `release` is called. */
  function deferredEvent(id: string) {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    async function* later(): AsyncGenerator<LaterPart> {
      await released;
      yield { incremental: [{ data: { later: id }, path: ["order"] }], hasNext: false };
    }
    return { event: new DeferredEvent({ data: { order: { id } }, hasNext: true }, later()), release };
  }

  it("delivers an event's later parts before the next event, and queues events, not parts", async () => {
    const events = new Map([
      ["a", deferredEvent("a")],
      ["b", deferredEvent("b")],
    ]);
    const calls = { overflow: 0 };
    const live = new LiveSubscription({
      queueLimit: 1,
      resolve: async (u) => events.get(u.id)?.event,
      onOverflow: () => {
        calls.overflow += 1;
      },
      onClose: () => undefined,
    });
    live.push(update("a"), 1);
    expect((await live.next()).value).toEqual({ data: { order: { id: "a" } }, hasNext: true });
    live.push(update("b"), 2); // one event waiting: within the limit, whatever a's parts
    const laterOfA = live.next();
    events.get("b")?.release(); // b's part is ready first: still not before a's
    events.get("a")?.release();
    expect((await laterOfA).value).toEqual({
      incremental: [{ data: { later: "a" }, path: ["order"] }],
      hasNext: false,
    });
    expect((await live.next()).value).toEqual({ data: { order: { id: "b" } }, hasNext: true });
    expect((await live.next()).value).toMatchObject({ incremental: [{ data: { later: "b" } }], hasNext: false });
    expect(calls.overflow).toBe(0);
  });

  it("replays a shared event's parts to each subscriber from the first", async () => {
    const { event, release } = deferredEvent("a");
    release();
    await event.finished;
    const parts = async () => {
      const all = [];
      for await (const part of event.later()) all.push(part);
      return all;
    };
    expect(await parts()).toEqual(await parts());
    expect(await parts()).toHaveLength(1);
  });

  it("reports a client that falls behind instead of queueing without bound", async () => {
    const { live, calls } = subscription(3);
    for (let i = 0; i < 10; i += 1) live.push(update(String(i)), i);
    expect(calls.overflow).toBe(7);
    live.close();
    expect(await live.next()).toEqual({ value: undefined, done: true });
    expect(calls.resolved).toEqual([]);
  });
});

describe("subscription configuration", () => {
  it("has defaults that work on localhost and names an invalid variable", () => {
    expect(loadSubscriptionsConfig({})).toEqual({
      channel: "fedplat:live-updates",
      limits: defaultSubscriptionLimits,
      shareByRole: true,
    });
    expect(loadSubscriptionsConfig({ SUBSCRIPTIONS_SHARE_BY_ROLE: "false" }).shareByRole).toBe(false);
    expect(() => loadSubscriptionsConfig({ SUBSCRIPTIONS_SHARE_BY_ROLE: "sometimes" })).toThrow(
      /SUBSCRIPTIONS_SHARE_BY_ROLE/,
    );
    expect(loadSubscriptionsConfig({ SUBSCRIPTIONS_MAX_PER_CONNECTION: "3", LIVE_UPDATES_CHANNEL: "x" })).toMatchObject(
      { channel: "x", limits: { maxPerConnection: 3 } },
    );
    expect(() => loadSubscriptionsConfig({ SUBSCRIPTIONS_QUEUE_LIMIT: "0" })).toThrow(
      /SUBSCRIPTIONS_QUEUE_LIMIT: .*currently: "0"/,
    );
    expect(() => loadSubscriptionsConfig({ SUBSCRIPTIONS_MAX_CONNECTIONS_PER_USER: "many" })).toThrow(
      /SUBSCRIPTIONS_MAX_CONNECTIONS_PER_USER/,
    );
  });
});
