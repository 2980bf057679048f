import { randomUUID } from "node:crypto";
import { bearer, graphqlRequest } from "@fedplat/devkit";
import { buildGateway, type GatewayServer } from "../src";
import { manifestOf } from "../src/features/persistedDocuments";
import { createRedisKeyValueCache, type StringCache } from "../src/features/responseCache/redisKeyValueCache";
import { type AccountsCatalogOrders, startAccountsCatalogOrders } from "./accountsCatalogOrders";
import { allParts } from "./incrementalResponse";

/*
 * @defer beside the gateway's defences (docs/defer.md), through a real gateway over real accounts,
 * catalog and orders subgraphs: RBAC (the subgraphs' rules, on the viewer the gateway signs), the
 * response cache, and trusted documents see a deferred request as any other.
 */
let graph: AccountsCatalogOrders;
const gateways: GatewayServer[] = [];
let url: string;
let customer: Record<string, string>;
let customerEmail: string;
let otherCustomer: Record<string, string>;
let otherEmail: string;
/** The response cache's writes, by key. */
const writes: string[] = [];

/** A deferred private field (the viewer's own email, from accounts) next to a public one (catalog). */
const PRIVATE_DEFERRED = /* GraphQL */ `
  query DeferredEmail {
    products(first: 1) {
      totalCount
    }
    ... @defer(label: "me") {
      me {
        email
      }
    }
  }
`;

async function startGateway(extra: Partial<Parameters<typeof buildGateway>[0]> = {}): Promise<string> {
  const gateway = await buildGateway({ ...graph.gatewayOptions(), ...extra });
  gateways.push(gateway);
  return `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
}

beforeAll(async () => {
  graph = await startAccountsCatalogOrders("defer-security-test");
  const options = graph.gatewayOptions();
  const cache = createRedisKeyValueCache(graph.redis, `test:rc:${randomUUID()}:`, options.logger);
  const recording: StringCache = {
    get: (key) => cache.get(key),
    set: async (key, value, setOptions) => {
      writes.push(value);
      await cache.set(key, value, setOptions);
    },
    delete: (key) => cache.delete(key),
  };
  url = await startGateway({ responseCache: recording });
  const viewer = await graph.accounts.viewer("customer");
  customer = bearer(viewer.token);
  customerEmail = (await graph.accounts.prisma.user.findUniqueOrThrow({ where: { id: viewer.id } })).email;
  const other = await graph.accounts.prisma.user.findFirstOrThrow({
    where: { role: "CUSTOMER", id: { not: viewer.id } },
  });
  otherEmail = other.email;
  otherCustomer = bearer((await graph.accounts.viewer({ id: other.id, role: "CUSTOMER" })).token);
});
afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.close()));
  await graph?.stop();
});

/*
 * The gateway's @policy removes `users` before planning, deferred or not, so no subgraph is asked.
 * Known limit (docs/defer.md): the null of the removed non-null field propagates to the root as it
 * does undeferred, instead of stopping at the @defer boundary, so the answer is that one whole result.
 */
test("a deferred field the viewer may not see is refused as it is undeferred, by the gateway's @policy", async () => {
  const undeferred = await graphqlRequest(
    url,
    "{ products(first: 1) { totalCount } users { totalCount } }",
    {},
    customer,
  );
  expect(undeferred.data).toBeNull();
  expect(undeferred.errors).toEqual([
    expect.objectContaining({ path: ["users"], extensions: { code: "UNAUTHORIZED_FIELD_OR_TYPE" } }),
  ]);

  const parts = await allParts(
    url,
    /* GraphQL */ `
      {
        products(first: 1) {
          totalCount
        }
        ... @defer(label: "staff") {
          users {
            totalCount
          }
        }
      }
    `,
    customer,
  );
  expect(parts).toEqual([{ data: null, errors: undeferred.errors }]);
});

test("a deferred private field is never stored by the response cache, nor shown to another viewer", async () => {
  const before = writes.length;
  const first = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "multipart/mixed;deferSpec=20220824,application/json",
      ...customer,
    },
    body: JSON.stringify({ query: PRIVATE_DEFERRED }),
  });
  expect(first.headers.get("content-type")).toMatch(/^multipart\/mixed/);
  expect(first.headers.get("cache-control")).toBe("no-store");
  expect(first.headers.get("x-cache")).toBe("MISS");
  expect(await first.text()).toContain(customerEmail);

  const theirs = await allParts(url, PRIVATE_DEFERRED, otherCustomer);
  expect(JSON.stringify(theirs)).toContain(otherEmail);
  expect(JSON.stringify(theirs)).not.toContain(customerEmail);
  const anonymous = await allParts(url, PRIVATE_DEFERRED);
  expect(JSON.stringify(anonymous)).not.toContain(customerEmail);
  expect(writes.slice(before)).toEqual([]);

  // Answered whole (no multipart), the same query is cached with the policy of all its fields: private.
  const whole = await graphqlRequest(url, PRIVATE_DEFERRED, {}, customer);
  expect(whole.data).toEqual({ products: { totalCount: 200 }, me: { email: customerEmail } });
  expect(whole.headers.get("cache-control")).toBe("private, no-cache");
  const again = await allParts(url, PRIVATE_DEFERRED, otherCustomer);
  expect(JSON.stringify(again)).toContain(otherEmail);
  expect(JSON.stringify(again)).not.toContain(customerEmail);
});

test("trusted documents: a deferred document outside the manifest is refused like any other; one inside streams", async () => {
  const manifest = manifestOf([PRIVATE_DEFERRED]);
  const enforced = await startGateway({
    persistedQueries: {
      cache: createRedisKeyValueCache(graph.redis, `test:apq:${randomUUID()}:`, graph.gatewayOptions().logger),
      mode: "enforce",
      manifest,
    },
  });
  const [refused] = await allParts(
    enforced,
    "{ products(first: 1) { totalCount ... @defer { pageInfo { hasNextPage } } } }",
  );
  expect(refused).toMatchObject({ errors: [{ extensions: { code: "PERSISTED_QUERY_REQUIRED" } }] });

  const trusted = await allParts(enforced, PRIVATE_DEFERRED, customer);
  expect(trusted).toEqual([
    { data: { products: { totalCount: 200 } }, hasNext: true },
    { incremental: [{ data: { me: { email: customerEmail } }, path: [], label: "me" }], hasNext: false },
  ]);
});
