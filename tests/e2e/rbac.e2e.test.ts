import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@fedplat/devkit";
import { buildSeedData } from "@fedplat/prisma/seed/data";
import { Kind, parse, type ObjectTypeDefinitionNode } from "graphql";
import { type Platform, startPlatform } from "../fixtures";

jest.setTimeout(180_000);

type Principal = "anonymous" | "customer" | "otherCustomer" | "staff" | "admin" | "apiKey";
const PRINCIPALS: Principal[] = ["anonymous", "customer", "otherCustomer", "staff", "admin", "apiKey"];
type Outcome = "allow" | "deny";

interface Fixture {
  /** A pending order of the customer, placed for this check. */
  pendingOrderOfCustomer(): Promise<string>;
  customerId: string;
  customerOrderId: string;
  customerNotificationId: string;
  freshRefreshToken(): Promise<string>;
  apiKeyId: string;
}

interface Row {
  /** The operation and its variables. */
  operation(fixture: Fixture): Promise<{ query: string; variables?: Record<string, unknown> }> | { query: string; variables?: Record<string, unknown> };
  expect: Record<Principal, Outcome>;
  /** A null result or NOT_FOUND is how this field denies (it does not confirm what exists). */
  hiddenMeansDenied?: boolean;
  /** The operation ends the caller's sessions (logout): people log in again after it. */
  endsSession?: boolean;
}

const all = (outcome: Outcome): Record<Principal, Outcome> => ({ anonymous: outcome, customer: outcome, otherCustomer: outcome, staff: outcome, admin: outcome, apiKey: outcome });
const loggedIn: Record<Principal, Outcome> = { ...all("allow"), anonymous: "deny" };
const staffOnly: Record<Principal, Outcome> = { anonymous: "deny", customer: "deny", otherCustomer: "deny", staff: "allow", admin: "allow", apiKey: "allow" };
const adminOnly: Record<Principal, Outcome> = { ...all("deny"), admin: "allow" };
const ownerOrStaff: Record<Principal, Outcome> = { ...staffOnly, customer: "allow" };
const peopleOnly: Record<Principal, Outcome> = { ...loggedIn, apiKey: "deny" };

/**
 * Every root field of the public graph, for every kind of caller. The API key acts as STAFF.
 * The test below fails when the composed schema has a root field missing here.
 */
const MATRIX: Record<string, Row> = {
  "Query.me": { operation: () => ({ query: "{ me { id } }" }), expect: all("allow") },
  "Query.user": { operation: (f) => ({ query: "query($id: ID!) { user(id: $id) { email } }", variables: { id: f.customerId } }), expect: ownerOrStaff },
  "Query.users": { operation: () => ({ query: "{ users(first: 1) { totalCount } }" }), expect: staffOnly },
  "Query.apiKeys": { operation: () => ({ query: "{ apiKeys { id } }" }), expect: adminOnly },
  "Query.accountsAuditLog": { operation: () => ({ query: "{ accountsAuditLog(first: 1) { edges { node { id action actorId } } } }" }), expect: adminOnly },
  "Query.catalogAuditLog": { operation: () => ({ query: "{ catalogAuditLog(first: 1) { edges { node { id action actorId } } } }" }), expect: adminOnly },
  "Query.operationsAuditLog": { operation: () => ({ query: "{ operationsAuditLog(first: 1) { edges { node { id action actorId } } } }" }), expect: adminOnly },
  "Query.product": { operation: () => ({ query: '{ product(id: "00000000-0000-4000-8000-000000000000") { id } }' }), expect: all("allow") },
  "Query.products": { operation: () => ({ query: "{ products(first: 1) { totalCount } }" }), expect: all("allow") },
  "Query.order": { operation: (f) => ({ query: "query($id: ID!) { order(id: $id) { id status } }", variables: { id: f.customerOrderId } }), expect: ownerOrStaff, hiddenMeansDenied: true },
  "Query.notification": { operation: (f) => ({ query: "query($id: ID!) { notification(id: $id) { id template } }", variables: { id: f.customerNotificationId } }), expect: ownerOrStaff, hiddenMeansDenied: true },
  "Query.orders": { operation: () => ({ query: "{ orders(first: 1) { totalCount } }" }), expect: loggedIn },
  "Mutation.register": { operation: () => ({ query: 'mutation($e: String!) { register(input: { email: $e, password: "s3cretpass", name: "N" }) { email } }', variables: { e: `rbac-${randomUUID()}@example.com` } }), expect: all("allow") },
  "Mutation.login": { operation: () => ({ query: 'mutation { login(email: "staff@example.com", password: "Passw0rd!") { accessToken } }' }), expect: all("allow") },
  "Mutation.refreshToken": { operation: async (f) => ({ query: "mutation($t: String!) { refreshToken(token: $t) { accessToken } }", variables: { t: await f.freshRefreshToken() } }), expect: all("allow") },
  "Mutation.logout": { operation: () => ({ query: "mutation { logout }" }), expect: peopleOnly, endsSession: true },
  // A wrong current password: reaching the resolver (BAD_USER_INPUT) is "allow", and nobody's password changes.
  "Mutation.changePassword": { operation: () => ({ query: 'mutation { changePassword(currentPassword: "not-the-password1", newPassword: "Another-pass1") { accessToken } }' }), expect: peopleOnly },
  "Mutation.updateProfile": { operation: () => ({ query: 'mutation { updateProfile(input: { address: "Somewhere 1" }) { id } }' }), expect: peopleOnly },
  "Mutation.setUserDisabled": { operation: () => ({ query: 'mutation { setUserDisabled(id: "00000000-0000-4000-8000-000000000000", disabled: true) { id } }' }), expect: adminOnly, hiddenMeansDenied: false },
  "Mutation.setUserRole": { operation: (f) => ({ query: "mutation($id: ID!) { setUserRole(userId: $id, role: CUSTOMER) { id } }", variables: { id: f.customerId } }), expect: adminOnly },
  "Mutation.createApiKey": { operation: () => ({ query: 'mutation { createApiKey(input: { name: "rbac", role: CUSTOMER }) { apiKey { id } } }' }), expect: adminOnly },
  "Mutation.revokeApiKey": { operation: () => ({ query: 'mutation { revokeApiKey(id: "00000000-0000-4000-8000-000000000000") { id } }' }), expect: adminOnly, hiddenMeansDenied: false },
  "Mutation.placeOrder": { operation: () => ({ query: 'mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }', variables: { p: buildSeedData().products[0]?.id } }), expect: peopleOnly },
  "Mutation.setOrderStatus": { operation: async (f) => ({ query: "mutation($id: ID!) { setOrderStatus(id: $id, status: CONFIRMED) { status } }", variables: { id: await f.pendingOrderOfCustomer() } }), expect: staffOnly },
  "Mutation.createProduct": { operation: () => ({ query: 'mutation($s: String!) { createProduct(input: { sku: $s, name: "RBAC", priceCents: 100, stock: 1 }) { id } }', variables: { s: `RBAC-${randomUUID()}` } }), expect: adminOnly },
  "Mutation.updateProduct": { operation: () => ({ query: "mutation($id: ID!) { updateProduct(id: $id, input: { stock: 7 }) { id } }", variables: { id: buildSeedData().products[1]?.id } }), expect: adminOnly },
  "Query.deadLetters": { operation: () => ({ query: "{ deadLetters { id } }" }), expect: adminOnly },
  "Query.deadLetter": { operation: () => ({ query: '{ deadLetter(id: "none") { id } }' }), expect: adminOnly },
  "Query.deadLetterCount": { operation: () => ({ query: "{ deadLetterCount }" }), expect: adminOnly },
  "Query.paymentReconciliation": { operation: () => ({ query: "{ paymentReconciliation(first: 1) { mismatchCount } }" }), expect: adminOnly },
  "Mutation.replayDeadLetter": { operation: () => ({ query: 'mutation { replayDeadLetter(id: "none") }' }), expect: adminOnly },
  "Mutation.discardDeadLetter": { operation: () => ({ query: 'mutation { discardDeadLetter(id: "none") }' }), expect: adminOnly },
  "Mutation.replayDeadLetters": { operation: () => ({ query: 'mutation { replayDeadLetters(queue: "events-accounts") { replayed refused } }' }), expect: adminOnly },
  "Mutation.discardDeadLetters": { operation: () => ({ query: 'mutation { discardDeadLetters(queue: "outbox") }' }), expect: adminOnly },
  "Mutation.cancelOrder": { operation: async (f) => ({ query: "mutation($id: ID!) { cancelOrder(id: $id) { status } }", variables: { id: await f.pendingOrderOfCustomer() } }), expect: ownerOrStaff, hiddenMeansDenied: true },
};

/** Root fields of the public graph (the supergraph minus @inaccessible). */
function publicRootFields(): string[] {
  const document = parse(readFileSync(join(repoRoot, "supergraph.graphql"), "utf8"));
  return document.definitions
    .filter((d): d is ObjectTypeDefinitionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION && (d.name.value === "Query" || d.name.value === "Mutation"))
    .flatMap((type) => (type.fields ?? []).filter((field) => !field.directives?.some((d) => d.name.value === "inaccessible")).map((field) => `${type.name.value}.${field.name.value}`));
}

const AUTH_CODES = new Set(["UNAUTHENTICATED", "FORBIDDEN"]);

let platform: Platform;
let headers: Record<Principal, Record<string, string>>;
/** Who each person principal is, to log in again after a row that ends their sessions. */
const emails: Partial<Record<Principal, string>> = { customer: "customer@example.com", staff: "staff@example.com", admin: "admin@example.com" };
let fixture: Fixture;

beforeAll(async () => {
  platform = await startPlatform();
  const other = buildSeedData().users.find((user, index) => index > 2 && user.role === "CUSTOMER");
  if (!other) throw new Error("seed has no second customer");
  emails.otherCustomer = other.email;
  const [customer, otherCustomer, staff, admin] = await Promise.all([
    platform.login("customer@example.com"),
    platform.login(other.email),
    platform.login("staff@example.com"),
    platform.login("admin@example.com"),
  ]);
  const created = await platform.query<{ createApiKey: { key: string; apiKey: { id: string } } }>(
    'mutation { createApiKey(input: { name: "matrix", role: STAFF }) { key apiKey { id } } }',
    {},
    admin,
  );
  const key = created.data?.createApiKey;
  if (!key) throw new Error(JSON.stringify(created.errors));
  headers = { anonymous: {}, customer, otherCustomer, staff, admin, apiKey: { "x-api-key": key.key } };
  const me = await platform.query<{ me: { id: string; notifications: Array<{ id: string }> }; orders: { edges: Array<{ node: { id: string } }> } }>(
    "{ me { id notifications(first: 1) { id } } orders(first: 1) { edges { node { id } } } }",
    {},
    customer,
  );
  const firstProduct = buildSeedData().products[0]?.id;
  fixture = {
    customerId: me.data?.me.id ?? "",
    customerOrderId: me.data?.orders.edges[0]?.node.id ?? "",
    customerNotificationId: me.data?.me.notifications[0]?.id ?? "",
    apiKeyId: key.apiKey.id,
    pendingOrderOfCustomer: async () => {
      const res = await platform.query<{ placeOrder: { id: string } }>("mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }", { p: firstProduct }, headers.customer);
      return res.data?.placeOrder.id ?? "";
    },
    freshRefreshToken: async () => {
      const res = await platform.query<{ login: { refreshToken: string } }>('mutation { login(email: "customer@example.com", password: "Passw0rd!") { refreshToken } }');
      return res.data?.login.refreshToken ?? "";
    },
  };
});
afterAll(() => platform?.stop());

describe("RBAC matrix through the real gateway", () => {
  it("has a row for every root field of the composed public schema", () => {
    expect(Object.keys(MATRIX).sort()).toEqual(publicRootFields().sort());
  });

  it("allows and denies every root field exactly as the matrix says", async () => {
    const mismatches: string[] = [];
    for (const [field, row] of Object.entries(MATRIX)) {
      for (const principal of PRINCIPALS) {
        const { query, variables } = await row.operation(fixture);
        const res = await platform.query(query, variables ?? {}, headers[principal]);
        const email = emails[principal];
        if (row.endsSession && email) headers[principal] = await platform.login(email);
        const codes = (res.errors ?? []).map((error) => error.extensions?.code ?? "");
        const rootValue = res.data ? Object.values(res.data)[0] : undefined;
        const denied =
          codes.some((code) => AUTH_CODES.has(code)) || res.status === 401 || (row.hiddenMeansDenied === true && (rootValue === null || codes.includes("NOT_FOUND")));
        const outcome: Outcome = denied ? "deny" : "allow";
        if (outcome !== row.expect[principal]) mismatches.push(`${field} as ${principal}: expected ${row.expect[principal]}, got ${outcome} ${JSON.stringify(res.errors ?? res.data)}`);
        if (outcome === "allow" && codes.some((code) => code === "INTERNAL_SERVER_ERROR")) mismatches.push(`${field} as ${principal}: internal error ${JSON.stringify(res.errors)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("denies without revealing how: FORBIDDEN messages carry no rule names or stack traces", async () => {
    const res = await platform.query("{ users(first: 1) { totalCount } }", {}, headers.customer);
    expect(res.errors?.[0]).toEqual({ message: "Not allowed", path: ["users"], extensions: { code: "FORBIDDEN", serviceName: "accounts" } });
  });
});
