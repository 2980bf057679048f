import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, type TestFile, testPng, uploadRequest, waitFor } from "@fedplat/devkit";
import { buildSeedData } from "@fedplat/prisma/seed/data";
import { Kind, parse, type ObjectTypeDefinitionNode } from "graphql";
import { type Platform, startPlatform, subscriptionClient } from "../fixtures";

jest.setTimeout(180_000);

/**
 * `apiKey` acts as STAFF, `adminKey` as ADMIN; `revokedKey` and `expiredKey` were valid keys;
 * `demoted` logged in as ADMIN and was then demoted to CUSTOMER (its token predates the demotion).
 */
type Principal =
  | "anonymous"
  | "customer"
  | "otherCustomer"
  | "staff"
  | "admin"
  | "apiKey"
  | "adminKey"
  | "revokedKey"
  | "expiredKey"
  | "demoted";
const PRINCIPALS: Principal[] = [
  "anonymous",
  "customer",
  "otherCustomer",
  "staff",
  "admin",
  "apiKey",
  "adminKey",
  "revokedKey",
  "expiredKey",
  "demoted",
];
type Outcome = "allow" | "deny";

interface Fixture {
  /** A pending order of the customer, placed for this check. */
  pendingOrderOfCustomer(): Promise<string>;
  customerId: string;
  customerOrderId: string;
  customerNotificationId: string;
  freshRefreshToken(): Promise<string>;
  apiKeyId: string;
  /** A seeded user no principal is, for setUserDisabled(disabled: false) (a change that changes nothing). */
  spareUserId: string;
  /** A key created (as admin) for this check, to revoke. */
  throwawayKeyId(): Promise<string>;
}

interface Row {
  /** The operation and its variables. */
  operation(
    fixture: Fixture,
  ):
    | Promise<{ query: string; variables?: Record<string, unknown> }>
    | { query: string; variables?: Record<string, unknown> };
  expect: Record<Principal, Outcome>;
  /** A null result or NOT_FOUND is how this field denies (it does not confirm what exists). */
  hiddenMeansDenied?: boolean;
  /** An allowed caller may get null (e.g. `me` anonymously, a dead letter that does not exist). */
  nullable?: boolean;
  /** The operation ends the caller's sessions (logout): people log in again after it. */
  endsSession?: boolean;
  /**
   * The directive on the field in the subgraph's SDL, enforced at the gateway before any subgraph
   * is asked: "authenticated" refuses anonymous callers there, "policy" every denied caller.
   */
  gate?: "authenticated" | "policy";
  /** Files sent with the operation (a GraphQL multipart request), by variable path. */
  files?: Array<{ path: string; file: TestFile }>;
}

/** A revoked or expired key is refused whatever it asks (401 before any subgraph), so every row denies it. */
const all = (outcome: Outcome): Record<Principal, Outcome> => ({
  anonymous: outcome,
  customer: outcome,
  otherCustomer: outcome,
  staff: outcome,
  admin: outcome,
  apiKey: outcome,
  adminKey: outcome,
  demoted: outcome,
  revokedKey: "deny",
  expiredKey: "deny",
});
const loggedIn: Record<Principal, Outcome> = { ...all("allow"), anonymous: "deny" };
const staffOnly: Record<Principal, Outcome> = {
  ...all("deny"),
  staff: "allow",
  admin: "allow",
  apiKey: "allow",
  adminKey: "allow",
};
const adminOnly: Record<Principal, Outcome> = { ...all("deny"), admin: "allow", adminKey: "allow" };
const ownerOrStaff: Record<Principal, Outcome> = { ...staffOnly, customer: "allow" };
const peopleOnly: Record<Principal, Outcome> = { ...loggedIn, apiKey: "deny", adminKey: "deny" };

/**
 * Every root field of the public graph, for every kind of caller. The API key acts as STAFF.
 * The test below fails when the composed schema has a root field missing here.
 */
const MATRIX: Record<string, Row> = {
  "Query.me": { operation: () => ({ query: /* GraphQL */ "{ me { id } }" }), expect: all("allow"), nullable: true },
  "Query.user": {
    operation: (f) => ({
      query: /* GraphQL */ "query($id: ID!) { user(id: $id) { email } }",
      variables: { id: f.customerId },
    }),
    gate: "authenticated",
    expect: ownerOrStaff,
  },
  "Query.users": {
    operation: () => ({ query: /* GraphQL */ "{ users(first: 1) { totalCount } }" }),
    gate: "policy",
    expect: staffOnly,
  },
  "Query.apiKeys": {
    operation: () => ({ query: /* GraphQL */ "{ apiKeys { id } }" }),
    gate: "policy",
    expect: adminOnly,
  },
  "Query.accountsAuditLog": {
    operation: () => ({
      query: /* GraphQL */ "{ accountsAuditLog(first: 1) { edges { node { id action actorId } } } }",
    }),
    gate: "policy",
    expect: adminOnly,
  },
  "Query.catalogAuditLog": {
    operation: () => ({
      query: /* GraphQL */ "{ catalogAuditLog(first: 1) { edges { node { id action actorId } } } }",
    }),
    gate: "policy",
    expect: adminOnly,
  },
  "Query.operationsAuditLog": {
    operation: () => ({
      query: /* GraphQL */ "{ operationsAuditLog(first: 1) { edges { node { id action actorId } } } }",
    }),
    gate: "policy",
    expect: adminOnly,
  },
  "Query.product": {
    operation: () => ({
      query: /* GraphQL */ "query($id: ID!) { product(id: $id) { id } }",
      variables: { id: buildSeedData().products[2]?.id },
    }),
    expect: all("allow"),
  },
  "Query.products": {
    operation: () => ({ query: /* GraphQL */ "{ products(first: 1) { totalCount } }" }),
    expect: all("allow"),
  },
  "Query.order": {
    operation: (f) => ({
      query: /* GraphQL */ "query($id: ID!) { order(id: $id) { id status } }",
      variables: { id: f.customerOrderId },
    }),
    gate: "authenticated",
    expect: ownerOrStaff,
    hiddenMeansDenied: true,
  },
  "Query.notification": {
    operation: (f) => ({
      query: /* GraphQL */ "query($id: ID!) { notification(id: $id) { id template } }",
      variables: { id: f.customerNotificationId },
    }),
    gate: "authenticated",
    expect: ownerOrStaff,
    hiddenMeansDenied: true,
  },
  "Query.orders": {
    operation: () => ({ query: /* GraphQL */ "{ orders(first: 1) { totalCount } }" }),
    gate: "authenticated",
    expect: loggedIn,
  },
  "Mutation.register": {
    operation: () => ({
      query: 'mutation($e: String!) { register(input: { email: $e, password: "s3cretpass", name: "N" }) { email } }',
      variables: { e: `rbac-${randomUUID()}@example.com` },
    }),
    expect: all("allow"),
  },
  "Mutation.login": {
    operation: () => ({
      query: 'mutation { login(email: "staff@example.com", password: "Passw0rd!") { accessToken } }',
    }),
    expect: all("allow"),
  },
  "Mutation.refreshToken": {
    operation: async (f) => ({
      query: /* GraphQL */ "mutation($t: String!) { refreshToken(token: $t) { accessToken } }",
      variables: { t: await f.freshRefreshToken() },
    }),
    expect: all("allow"),
  },
  "Mutation.logout": {
    operation: () => ({ query: /* GraphQL */ "mutation { logout }" }),
    gate: "authenticated",
    expect: peopleOnly,
    endsSession: true,
  },
  // The same password again: it succeeds (and ends the caller's other sessions), and nobody's password changes.
  "Mutation.changePassword": {
    operation: () => ({
      query: 'mutation { changePassword(currentPassword: "Passw0rd!", newPassword: "Passw0rd!") { accessToken } }',
    }),
    gate: "authenticated",
    expect: peopleOnly,
    endsSession: true,
  },
  "Mutation.updateProfile": {
    operation: () => ({ query: 'mutation { updateProfile(input: { address: "Somewhere 1" }) { id } }' }),
    gate: "authenticated",
    expect: peopleOnly,
  },
  "Mutation.setUserDisabled": {
    operation: (f) => ({
      query: /* GraphQL */ "mutation($id: ID!) { setUserDisabled(id: $id, disabled: false) { id } }",
      variables: { id: f.spareUserId },
    }),
    gate: "policy",
    expect: adminOnly,
  },
  "Mutation.setUserRole": {
    operation: (f) => ({
      query: /* GraphQL */ "mutation($id: ID!) { setUserRole(userId: $id, role: CUSTOMER) { id } }",
      variables: { id: f.customerId },
    }),
    gate: "policy",
    expect: adminOnly,
  },
  "Mutation.createApiKey": {
    operation: () => ({
      query: 'mutation { createApiKey(input: { name: "rbac", role: CUSTOMER }) { apiKey { id } } }',
    }),
    gate: "policy",
    expect: adminOnly,
  },
  "Mutation.revokeApiKey": {
    operation: async (f) => ({
      query: /* GraphQL */ "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
      variables: { id: await f.throwawayKeyId() },
    }),
    gate: "policy",
    expect: adminOnly,
  },
  "Mutation.placeOrder": {
    operation: () => ({
      query:
        /* GraphQL */ "mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }",
      variables: { p: buildSeedData().products[0]?.id },
    }),
    gate: "authenticated",
    expect: peopleOnly,
  },
  // CANCELLED is reachable whether or not the saga has confirmed the order meanwhile.
  "Mutation.setOrderStatus": {
    operation: async (f) => ({
      query: /* GraphQL */ "mutation($id: ID!) { setOrderStatus(id: $id, status: CANCELLED) { status } }",
      variables: { id: await f.pendingOrderOfCustomer() },
    }),
    gate: "policy",
    expect: staffOnly,
  },
  "Mutation.createProduct": {
    operation: () => ({
      query:
        'mutation($s: String!) { createProduct(input: { sku: $s, name: "RBAC", priceCents: 100, stock: 1 }) { id } }',
      variables: { s: `RBAC-${randomUUID()}` },
    }),
    gate: "policy",
    expect: adminOnly,
  },
  "Mutation.updateProduct": {
    operation: () => ({
      query: /* GraphQL */ "mutation($id: ID!) { updateProduct(id: $id, input: { stock: 7 }) { id } }",
      variables: { id: buildSeedData().products[1]?.id },
    }),
    gate: "policy",
    expect: adminOnly,
  },
  "Query.deadLetters": {
    operation: () => ({ query: /* GraphQL */ "{ deadLetters { id } }" }),
    gate: "policy",
    expect: adminOnly,
  },
  "Mutation.uploadProductImage": {
    operation: () => ({
      query:
        /* GraphQL */ "mutation($id: ID!, $image: Upload!) { uploadProductImage(productId: $id, image: $image) { id } }",
      variables: { id: buildSeedData().products[1]?.id, image: null },
    }),
    files: [{ path: "variables.image", file: { bytes: testPng(4, 4), name: "rbac.png", type: "image/png" } }],
    gate: "policy",
    expect: adminOnly,
  },
  "Query.deadLetter": {
    operation: () => ({ query: '{ deadLetter(id: "none") { id } }' }),
    gate: "policy",
    expect: adminOnly,
    nullable: true,
  },
  "Query.deadLetterCount": {
    operation: () => ({ query: /* GraphQL */ "{ deadLetterCount }" }),
    gate: "policy",
    expect: adminOnly,
  },
  "Query.paymentReconciliation": {
    operation: () => ({ query: /* GraphQL */ "{ paymentReconciliation(first: 1) { mismatchCount } }" }),
    gate: "policy",
    expect: adminOnly,
  },
  "Mutation.replayDeadLetter": {
    operation: () => ({ query: 'mutation { replayDeadLetter(id: "none") }' }),
    gate: "policy",
    expect: adminOnly,
  },
  "Mutation.discardDeadLetter": {
    operation: () => ({ query: 'mutation { discardDeadLetter(id: "none") }' }),
    gate: "policy",
    expect: adminOnly,
  },
  "Mutation.replayDeadLetters": {
    operation: () => ({ query: 'mutation { replayDeadLetters(queue: "events-accounts") { replayed refused } }' }),
    gate: "policy",
    expect: adminOnly,
  },
  "Mutation.discardDeadLetters": {
    operation: () => ({ query: 'mutation { discardDeadLetters(queue: "outbox") }' }),
    gate: "policy",
    expect: adminOnly,
  },
  "Mutation.cancelOrder": {
    operation: async (f) => ({
      query: /* GraphQL */ "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
      variables: { id: await f.pendingOrderOfCustomer() },
    }),
    gate: "authenticated",
    expect: ownerOrStaff,
    hiddenMeansDenied: true,
  },
};

/** Root fields of the public graph (the supergraph minus @inaccessible). */
function publicRootFields(): string[] {
  const document = parse(readFileSync(join(repoRoot, "supergraph.graphql"), "utf8"));
  return document.definitions
    .filter(
      (d): d is ObjectTypeDefinitionNode =>
        d.kind === Kind.OBJECT_TYPE_DEFINITION && (d.name.value === "Query" || d.name.value === "Mutation"),
    )
    .flatMap((type) =>
      (type.fields ?? [])
        .filter((field) => !field.directives?.some((d) => d.name.value === "inaccessible"))
        .map((field) => `${type.name.value}.${field.name.value}`),
    );
}

/** The authorization directive on a root field of the supergraph, as the gateway reads it. */
function gateInSupergraph(coordinate: string): Row["gate"] {
  const [typeName, fieldName] = coordinate.split(".");
  const document = parse(readFileSync(join(repoRoot, "supergraph.graphql"), "utf8"));
  const field = document.definitions
    .filter((d): d is ObjectTypeDefinitionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === typeName)
    .flatMap((type) => type.fields ?? [])
    .find((candidate) => candidate.name.value === fieldName);
  const names = new Set(field?.directives?.map((directive) => directive.name.value));
  if (names.has("policy")) return "policy";
  return names.has("authenticated") ? "authenticated" : undefined;
}

/**
 * How a denied cell must be refused: a dead key with 401 before any subgraph; a caller the field's
 * directive refuses at the gateway UNAUTHORIZED_FIELD_OR_TYPE; anyone else without credentials
 * UNAUTHENTICATED, with them FORBIDDEN, or null / NOT_FOUND on fields that hide what exists.
 */
function expectedDenial(row: Row, principal: Principal): string {
  if (principal === "revokedKey" || principal === "expiredKey") return "401 UNAUTHENTICATED";
  if (refusedAtGateway(row, principal)) return "UNAUTHORIZED_FIELD_OR_TYPE";
  if (principal === "anonymous") return "UNAUTHENTICATED";
  return row.hiddenMeansDenied ? "hidden" : "FORBIDDEN";
}

/** A denied cell the gateway refuses by the field's directive (no subgraph is asked). */
function refusedAtGateway(row: Row, principal: Principal): boolean {
  if (row.expect[principal] === "allow" || principal === "revokedKey" || principal === "expiredKey") return false;
  return row.gate === "policy" || (row.gate === "authenticated" && principal === "anonymous");
}

/** The operation under a name of its own, to find its fetches in the subgraphs' metrics (`<name>__<subgraph>__<n>`). */
const named = (query: string, name: string) =>
  query.replace(/^\s*(query|mutation)?\s*(?=[({])/, (_match, keyword?: string) => `${keyword ?? "query"} ${name} `);
const cellName = (field: string, principal: Principal) => `R_${field.replace(".", "_")}_${principal}`;

/** What a cell got: "allow" (data, no error at all), "401 <code>", "hidden", or the first error's code. */
function observed(
  res: { status: number; data?: Record<string, unknown> | null; errors?: Array<{ extensions?: { code?: string } }> },
  row: Row,
): string {
  const code = res.errors?.[0]?.extensions?.code ?? "";
  if (res.status === 401) return `401 ${code}`;
  const rootValue = res.data ? Object.values(res.data)[0] : undefined;
  if (!res.errors?.length && res.status === 200 && rootValue !== undefined && (rootValue !== null || row.nullable))
    return "allow";
  if (row.hiddenMeansDenied && ((!res.errors?.length && rootValue === null) || code === "NOT_FOUND")) return "hidden";
  return code || `${res.status} no error, no data`;
}

let platform: Platform;
let headers: Record<Principal, Record<string, string>>;
/** Who each person principal is, to log in again after a row that ends their sessions. */
const emails: Partial<Record<Principal, string>> = {
  customer: "customer@example.com",
  staff: "staff@example.com",
  admin: "admin@example.com",
};
let fixture: Fixture;
/** Connection params (graphql-ws connection_init) of each principal. */
const connectionParams = () =>
  Object.fromEntries(PRINCIPALS.map((p) => [p, headers[p]])) as Record<Principal, Record<string, string>>;

/** Polls `check` every 200 ms until it holds (up to 15 s): revocations and role changes apply within 5 s. */
const until = (what: string, check: () => Promise<boolean>) => waitFor(what, check, 15_000, 200);

beforeAll(async () => {
  platform = await startPlatform();
  const seedUsers = buildSeedData().users;
  const customers = seedUsers.filter((user, index) => index > 2 && user.role === "CUSTOMER");
  const [other, demotedUser, spare] = customers;
  if (!other || !demotedUser || !spare) throw new Error("seed has too few customers");
  emails.otherCustomer = other.email;
  emails.demoted = demotedUser.email;
  const [customer, otherCustomer, staff, admin] = await Promise.all([
    platform.login("customer@example.com"),
    platform.login(other.email),
    platform.login("staff@example.com"),
    platform.login("admin@example.com"),
  ]);
  const createKey = async (role: string, expiresAt?: string) => {
    const created = await platform.query<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      /* GraphQL */ "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { key apiKey { id } } }",
      { i: { name: `matrix-${role}`, role, ...(expiresAt ? { expiresAt } : {}) } },
      headers?.admin ?? admin, // the current session: a row may have ended the first one
    );
    const key = created.data?.createApiKey;
    if (!key) throw new Error(JSON.stringify(created.errors));
    return key;
  };
  const expiresAt = Date.now() + 3_000;
  const [key, adminKey, revokedKey, expiredKey] = await Promise.all([
    createKey("STAFF"),
    createKey("ADMIN"),
    createKey("STAFF"),
    createKey("STAFF", new Date(expiresAt).toISOString()),
  ]);
  const revoked = await platform.query(
    /* GraphQL */ "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
    { id: revokedKey.apiKey.id },
    admin,
  );
  if (revoked.errors) throw new Error(JSON.stringify(revoked.errors));

  // An admin whose token outlives their demotion: promoted, logged in, demoted to CUSTOMER.
  const setRole = (role: string) =>
    platform.query(
      /* GraphQL */ "mutation($id: ID!, $r: Role!) { setUserRole(userId: $id, role: $r) { id } }",
      { id: demotedUser.id, r: role },
      admin,
    );
  await setRole("ADMIN");
  const demoted = await platform.login(demotedUser.email);
  await setRole("CUSTOMER");

  headers = {
    anonymous: {},
    customer,
    otherCustomer,
    staff,
    admin,
    apiKey: { "x-api-key": key.key },
    adminKey: { "x-api-key": adminKey.key },
    revokedKey: { "x-api-key": revokedKey.key },
    expiredKey: { "x-api-key": expiredKey.key },
    demoted,
  };
  const me = await platform.query<{
    me: { id: string; notifications: Array<{ id: string }> };
    orders: { edges: Array<{ node: { id: string } }> };
  }>(
    /* GraphQL */ "{ me { id notifications(first: 1) { id } } orders(first: 1) { edges { node { id } } } }",
    {},
    customer,
  );
  const firstProduct = buildSeedData().products[0]?.id;
  fixture = {
    customerId: me.data?.me.id ?? "",
    customerOrderId: me.data?.orders.edges[0]?.node.id ?? "",
    customerNotificationId: me.data?.me.notifications[0]?.id ?? "",
    apiKeyId: key.apiKey.id,
    spareUserId: spare.id,
    throwawayKeyId: async () => (await createKey("CUSTOMER")).apiKey.id,
    pendingOrderOfCustomer: async () => {
      const res = await platform.query<{ placeOrder: { id: string } }>(
        /* GraphQL */ "mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }",
        { p: firstProduct },
        headers.customer,
      );
      return res.data?.placeOrder.id ?? "";
    },
    freshRefreshToken: async () => {
      const res = await platform.query<{ login: { refreshToken: string } }>(
        'mutation { login(email: "customer@example.com", password: "Passw0rd!") { refreshToken } }',
      );
      return res.data?.login.refreshToken ?? "";
    },
  };
  // Each dead principal is dead on the gateway before the matrix starts (its caches hold 3 s).
  const refused = (principal: Principal, query: string) => async () =>
    (await platform.query(query, {}, headers[principal])).status === 401;
  await until("the revoked key refused", refused("revokedKey", /* GraphQL */ "{ me { id } }"));
  await until(
    "the expired key refused",
    async () => Date.now() > expiresAt && (await refused("expiredKey", /* GraphQL */ "{ me { id } }")()),
  );
  await until(
    "the demoted user acting as CUSTOMER",
    async () =>
      (await platform.query(/* GraphQL */ "{ users(first: 1) { totalCount } }", {}, demoted)).errors?.[0]?.extensions
        ?.code === "UNAUTHORIZED_FIELD_OR_TYPE",
  );
});
afterAll(() => platform?.stop());

describe("RBAC matrix through the real gateway", () => {
  it("has a row for every root field of the composed public schema", () => {
    expect(Object.keys(MATRIX).sort()).toEqual(publicRootFields().sort());
  });

  it("names in each row the directive the supergraph puts on the field", () => {
    const gates = (read: (field: string, row: Row) => Row["gate"]) =>
      Object.fromEntries(Object.entries(MATRIX).map(([field, row]) => [field, read(field, row) ?? "none"]));
    expect(gates((_field, row) => row.gate)).toEqual(gates((field) => gateInSupergraph(field)));
  });

  it("answers every allowed cell with data and no error at all, and refuses every denied cell with its exact code; directive refusals reach no subgraph", async () => {
    const mismatches: string[] = [];
    const atGateway: string[] = [];
    const allowedGated: string[] = [];
    for (const [field, row] of Object.entries(MATRIX)) {
      for (const principal of PRINCIPALS) {
        const { query, variables } = await row.operation(fixture);
        const name = cellName(field, principal);
        if (refusedAtGateway(row, principal)) atGateway.push(name);
        else if (row.gate && row.expect[principal] === "allow") allowedGated.push(name);
        const res = row.files
          ? await uploadRequest(platform.gatewayUrl, named(query, name), variables ?? {}, row.files, {
              ...headers[principal],
              "apollo-require-preflight": "true",
            })
          : await platform.query(named(query, name), variables ?? {}, headers[principal]);
        const email = emails[principal];
        if (row.endsSession && email && observed(res, row) === "allow")
          headers[principal] = await platform.login(email);
        const wanted = row.expect[principal] === "allow" ? "allow" : expectedDenial(row, principal);
        const got = observed(res, row);
        if (got !== wanted)
          mismatches.push(
            `${field} as ${principal}: expected ${wanted}, got ${got} ${JSON.stringify(res.errors ?? res.data)}`,
          );
      }
    }
    expect(mismatches).toEqual([]);

    // What each subgraph was asked, from its own metrics: no fetch of a cell the gateway refused,
    // while every allowed cell of the same fields did reach its subgraph (the names are seen).
    const asked = Object.values(await platform.subgraphOperations()).flatMap((counts) => Object.keys(counts));
    const reached = (name: string) => asked.some((operation) => operation.startsWith(`${name}__`));
    expect(atGateway.length).toBeGreaterThan(100);
    expect(atGateway.filter(reached)).toEqual([]);
    expect(allowedGated.filter((name) => !reached(name))).toEqual([]);
  });

  it("denies without revealing how: refusals carry no rule names, policy names or stack traces", async () => {
    const atGateway = await platform.query(/* GraphQL */ "{ users(first: 1) { totalCount } }", {}, headers.customer);
    expect(atGateway.errors).toEqual([
      { message: "Unauthorized field or type", path: ["users"], extensions: { code: "UNAUTHORIZED_FIELD_OR_TYPE" } },
    ]);
    // Past @authenticated, another customer's profile is refused by accounts' shield rules.
    const bySubgraph = await platform.query(
      /* GraphQL */ "query($id: ID!) { user(id: $id) { email } }",
      { id: fixture.customerId },
      headers.otherCustomer,
    );
    expect(bySubgraph.errors?.[0]).toEqual({
      message: "Not allowed",
      path: ["user"],
      extensions: { code: "FORBIDDEN", serviceName: "accounts" },
    });
  });
});

describe("RBAC matrix of subscriptions (graphql-ws)", () => {
  /** Subscribes as `principal`; "allow" once an event with data and no error arrives (after `trigger`), else how it was refused. */
  async function subscribeAs(
    principal: Principal,
    query: string,
    variables: Record<string, unknown>,
    trigger?: () => Promise<unknown>,
    timeoutMs = 30_000,
  ): Promise<string> {
    const client = subscriptionClient(platform.gatewayUrl, connectionParams()[principal]);
    try {
      const watch = client.watch(query, variables);
      const ended = () => {
        const error = watch.error as { code?: number } | Array<{ extensions?: { code?: string } }> | undefined;
        if (Array.isArray(error)) return String(error[0]?.extensions?.code);
        if (error?.code !== undefined) return `close ${error.code}`;
        return watch.completed ? "completed" : "nothing";
      };
      const outcome = watch
        .next(() => true, timeoutMs)
        .then(
          (event) =>
            event.errors?.length ? String(event.errors[0]?.extensions?.code) : event.data ? "allow" : "no data",
          ended,
        );
      // Give the subscription time to be set up before the event it waits for.
      if (trigger) setTimeout(() => void trigger(), 1_000);
      return await outcome;
    } finally {
      await client.dispose();
    }
  }

  /** Connection refused for bad credentials; a subscriber who may not see the entity gets NOT_FOUND (it does not confirm it exists). */
  const denial = (principal: Principal, hidden: string) =>
    principal === "anonymous" || principal === "revokedKey" || principal === "expiredKey" ? "close 4401" : hidden;

  it("orderStatusChanged: the owner and staff get the order's state, others NOT_FOUND, no credentials 4401", async () => {
    const got = await Promise.all(
      PRINCIPALS.map(
        async (p) =>
          `${p}: ${await subscribeAs(p, /* GraphQL */ "subscription($id: ID!) { orderStatusChanged(orderId: $id) { id status } }", { id: fixture.customerOrderId })}`,
      ),
    );
    expect(got).toEqual(
      PRINCIPALS.map((p) => `${p}: ${ownerOrStaff[p] === "allow" ? "allow" : denial(p, "NOT_FOUND")}`),
    );
  });

  const people: Principal[] = ["customer", "otherCustomer", "staff", "admin", "demoted"];
  const placeOrderAs = (p: Principal) => () =>
    platform.query(
      /* GraphQL */ "mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }",
      { p: buildSeedData().products[3]?.id },
      headers[p],
    );

  it("myOrderUpdates: each person gets their own new order, an API key nobody's (it owns none), no credentials 4401", async () => {
    const others: Principal[] = ["anonymous", "revokedKey", "expiredKey"];
    const keys: Principal[] = ["apiKey", "adminKey"];
    const query = /* GraphQL */ "subscription { myOrderUpdates { id status } }";
    const got = await Promise.all([
      ...people.map(async (p) => `${p}: ${await subscribeAs(p, query, {}, placeOrderAs(p))}`),
      ...others.map(async (p) => `${p}: ${await subscribeAs(p, query, {})}`),
      // While the customer places an order, a key subscribed to "its own" orders sees nothing.
      ...keys.map(async (p) => `${p}: ${await subscribeAs(p, query, {}, placeOrderAs("customer"), 5_000)}`),
    ]);
    expect(got).toEqual([
      ...people.map((p) => `${p}: allow`),
      ...others.map((p) => `${p}: close 4401`),
      ...keys.map((p) => `${p}: nothing`),
    ]);
  });

  it("notificationAdded: each person gets their own order's notification; no credentials 4401", async () => {
    const others: Principal[] = ["anonymous", "revokedKey", "expiredKey"];
    const query = /* GraphQL */ "subscription { notificationAdded { id template } }";
    const got = await Promise.all([
      ...people.map(async (p) => `${p}: ${await subscribeAs(p, query, {}, placeOrderAs(p))}`),
      ...others.map(async (p) => `${p}: ${await subscribeAs(p, query, {})}`),
    ]);
    expect(got).toEqual([...people.map((p) => `${p}: allow`), ...others.map((p) => `${p}: close 4401`)]);
  });
});
