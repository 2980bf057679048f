import { SignJWT } from "jose";
import { adminBaseOf, TEST_JWT_SECRET } from "@fedplat/devkit";
import { buildSeedData } from "@fedplat/prisma/seed/data";
import { type Platform, startPlatform } from "../fixtures";

jest.setTimeout(240_000);

let platform: Platform;
let customer: Record<string, string>;
let gatewayBase: string;

beforeAll(async () => {
  // The gateway as deployed: production mode (no introspection, no landing page, masked errors).
  platform = await startPlatform({ gatewayEnv: { NODE_ENV: "production" } });
  customer = await platform.login("customer@example.com");
  gatewayBase = platform.gatewayUrl;
});
afterAll(() => platform?.stop());

interface Attack {
  name: string;
  method?: "GET" | "POST";
  /** Raw body (string) or a JSON value. */
  body?: unknown;
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  path?: string;
  /** For input that is just data (SQL-looking text): a plain "nothing found" answer is right. */
  harmless?: (data: Record<string, unknown>) => boolean;
}

const json = (query: string, variables?: Record<string, unknown>) => ({ query, ...(variables ? { variables } : {}) });
const key = new TextEncoder().encode(TEST_JWT_SECRET);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const productId = buildSeedData().products[0]?.id ?? "";

async function corpus(): Promise<Attack[]> {
  const expired = await new SignJWT({ role: "ADMIN" }).setProtectedHeader({ alg: "HS256" }).setSubject("x").setIssuer("fedplat-accounts").setAudience("fedplat").setExpirationTime(Math.floor(Date.now() / 1000) - 10).sign(key);
  const wrongSecret = await new SignJWT({ role: "ADMIN" }).setProtectedHeader({ alg: "HS256" }).setSubject("x").setIssuer("fedplat-accounts").setAudience("fedplat").setExpirationTime("1h").sign(new TextEncoder().encode("not-the-secret-not-the-secret-not-the-secret"));
  const algNone = `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "x", role: "ADMIN", iss: "fedplat-accounts", aud: "fedplat", exp: 9_999_999_999 })}.`;
  const fragmentBomb = `query { ...F0 } ${Array.from({ length: 30 }, (_, i) => `fragment F${i} on Query { products(first: 1) { totalCount } ...F${i + 1} ...F${i + 1} }`).join(" ")} fragment F30 on Query { __typename }`;
  const sqlStrings = ["' OR '1'='1", "1; DROP TABLE users; --", "\\'; SELECT pg_sleep(10); --", "%' UNION SELECT password_hash FROM accounts.users --"];
  return [
    { name: "malformed JSON", raw: "{ query: nope" },
    { name: "empty body", raw: "" },
    { name: "JSON null", raw: "null" },
    { name: "JSON string", raw: '"{ __typename }"' },
    { name: "JSON number", raw: "42" },
    { name: "array of garbage", raw: "[1, 2, 3]" },
    { name: "text/plain (CSRF-simple) POST", raw: JSON.stringify(json("{ __typename }")), contentType: "text/plain" },
    { name: "form-encoded POST", raw: "query=%7B__typename%7D", contentType: "application/x-www-form-urlencoded" },
    { name: "no query", body: { variables: {} } },
    { name: "query is a number", body: { query: 12 } },
    { name: "variables is a string", body: { query: "{ __typename }", variables: "x" } },
    { name: "unknown operationName", body: { query: "query A { __typename }", operationName: "B" } },
    { name: "two anonymous operations", body: json("{ __typename } { __typename }") },
    { name: "syntax error", body: json("{ products { ") },
    { name: "unknown field", body: json("{ secrets }") },
    { name: "deep nesting", body: json(`{ me { ${"orders(first: 1) { customer { ".repeat(20)}id${" } }".repeat(20)} } }`) },
    { name: "alias bomb", body: json(`{ ${Array.from({ length: 1_000 }, (_, i) => `a${i}: __typename`).join(" ")} }`) },
    { name: "fragment bomb", body: json(fragmentBomb) },
    { name: "cyclic fragments", body: json("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }") },
    { name: "directive flood", body: json(`{ __typename ${"@skip(if: false) ".repeat(200)} }`) },
    { name: "token flood", body: json(`{ ${"__typename ".repeat(5_000)} }`) },
    { name: "huge string argument", body: json(`{ products(search: "${"x".repeat(400_000)}") { totalCount } }`) },
    { name: "huge list in variables", body: json("mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }", { i: { lines: Array.from({ length: 20_000 }, () => ({ productId, quantity: 1 })) } }), headers: {} },
    { name: "body over 1 MB", body: json(`{ __typename } # ${"x".repeat(1_200_000)}`) },
    { name: "oversized batch", body: Array.from({ length: 50 }, () => json("{ __typename }")) },
    { name: "introspection in production", body: json("{ __schema { types { name fields { name } } } }") },
    { name: "field suggestion probing", body: json("{ user { passwordHash } }") },
    { name: "forged token", body: json("{ me { id } }"), headers: { authorization: "Bearer abc.def.ghi" } },
    { name: "expired token", body: json("{ me { id } }"), headers: { authorization: `Bearer ${expired}` } },
    { name: "alg none token", body: json("{ me { id } }"), headers: { authorization: `Bearer ${algNone}` } },
    { name: "token signed with another secret", body: json("{ me { id } }"), headers: { authorization: `Bearer ${wrongSecret}` } },
    { name: "Basic auth", body: json("{ me { id } }"), headers: { authorization: "Basic YWRtaW46YWRtaW4=" } },
    { name: "bogus API key", body: json("{ users { totalCount } }"), headers: { "x-api-key": "fpk_guess" } },
    { name: "forged identity header", body: json("{ users { totalCount } }"), headers: { "x-fedplat-identity": algNone, "x-user-id": "admin" } },
    ...sqlStrings.flatMap((sql, i): Attack[] => [
      { name: `SQL in product(id) #${i}`, body: json("query($id: ID!) { product(id: $id) { id } }", { id: sql }), harmless: (data) => data.product === null },
      { name: `SQL in products(search) #${i}`, body: json("query($s: String) { products(search: $s) { totalCount } }", { s: sql }), harmless: (data) => JSON.stringify(data) === '{"products":{"totalCount":0}}' },
      { name: `SQL in login #${i}`, body: json("mutation($e: String!) { login(email: $e, password: $e) { accessToken } }", { e: sql }) },
      { name: `SQL in register #${i}`, body: json('mutation($e: String!) { register(input: { email: $e, password: "s3cretpass", name: $e }) { email } }', { e: sql }) },
      { name: `SQL in order(id) #${i}`, body: json("query($id: ID!) { order(id: $id) { id } }", { id: sql }), headers: customer, harmless: (data) => data.order === null },
      { name: `SQL in cursor #${i}`, body: json("query($a: String) { products(after: $a) { totalCount } }", { a: sql }) },
    ]),
    { name: "GET without preflight header (CSRF)", method: "GET", path: `?query=${encodeURIComponent("{ __typename }")}` },
    { name: "mutation over GET", method: "GET", path: `?query=${encodeURIComponent("mutation { logout }")}`, headers: { "apollo-require-preflight": "1" } },
    { name: "null bytes", body: json("{ products(search: \"\u0000\u0000\") { totalCount } }") },
    { name: "invalid UTF-8", raw: Buffer.from([0x7b, 0x22, 0x71, 0xff, 0xfe, 0x22, 0x7d]).toString("latin1") },
    { name: "2^31 page size", body: json("{ products(first: 2147483648) { totalCount } }") },
    { name: "negative page size", body: json("{ products(first: -5) { totalCount } }") },
    { name: "absurd quantity", body: json("mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 1000000000 }] }) { id } }", { p: productId }), headers: customer },
    { name: "deeply nested variables", raw: `{"query":"query($s: String) { products(search: $s) { totalCount } }","variables":{"s":${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}}}` },
    { name: "NUL bytes in a variable", body: json("mutation($n: String!) { register(input: { email: \"nul@example.com\", password: \"s3cretpass\", name: $n }) { email } }", { n: "a\u0000b" }) },
  ];
}

async function send(attack: Attack): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { ...(attack.method === "GET" ? {} : { "content-type": attack.contentType ?? "application/json" }), ...attack.headers };
  const body = attack.method === "GET" ? undefined : (attack.raw ?? JSON.stringify(attack.body));
  const response = await fetch(`${gatewayBase}${attack.path ?? ""}`, { method: attack.method ?? "POST", headers, body, signal: AbortSignal.timeout(20_000) });
  return { status: response.status, text: await response.text() };
}

async function healthy(): Promise<void> {
  const res = await platform.query<{ products: { totalCount: number } }>("{ products(first: 1) { totalCount } }");
  expect(res.data?.products.totalCount).toBe(200);
}

async function gatewayRss(): Promise<number> {
  // In production /metrics is on the gateway's admin port, not the public one.
  const gateway = platform.services.gateway;
  if (!gateway) throw new Error("no gateway");
  const text = await (await fetch(`${adminBaseOf(gateway)}/metrics`)).text();
  return Number(/^process_resident_memory_bytes\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

describe("a corpus of hostile and broken requests", () => {
  it("gets a clear 4xx or GraphQL error for each, never a 5xx, a hang or a stack trace, and the gateway keeps serving", async () => {
    const attacks = await corpus();
    expect(attacks.length).toBeGreaterThanOrEqual(40);
    const problems: string[] = [];
    for (const attack of attacks) {
      const { status, text } = await send(attack);
      let errors: Array<{ message?: string; extensions?: { code?: string } }> = [];
      let data: Record<string, unknown> | undefined;
      try {
        const parsed = JSON.parse(text) as { errors?: typeof errors; data?: Record<string, unknown> } | Array<{ errors?: typeof errors }>;
        errors = Array.isArray(parsed) ? parsed.flatMap((item) => item.errors ?? []) : (parsed.errors ?? []);
        data = Array.isArray(parsed) ? undefined : (parsed.data ?? undefined);
      } catch {
        if (status !== 405 && !/csrf/i.test(text)) problems.push(`${attack.name}: non-JSON answer ${status} ${text.slice(0, 120)}`);
      }
      if (status >= 500) problems.push(`${attack.name}: ${status} ${text.slice(0, 200)}`);
      const harmless = status === 200 && errors.length === 0 && data !== undefined && attack.harmless?.(data) === true;
      if (status < 400 && errors.length === 0 && !harmless) problems.push(`${attack.name}: accepted (${status}) ${text.slice(0, 200)}`);
      if (/\bat \S+ \(|node_modules|\/work\/|stacktrace/.test(text)) problems.push(`${attack.name}: leaks internals ${text.slice(0, 200)}`);
      if (errors.some((error) => error.extensions?.code === "INTERNAL_SERVER_ERROR")) problems.push(`${attack.name}: internal error ${text.slice(0, 200)}`);
    }
    expect(problems).toEqual([]);
    await healthy();
  });

  it("keeps gateway memory within 10% across repeated runs of the corpus", async () => {
    const attacks = await corpus();
    for (const attack of attacks) await send(attack); // warm-up: caches, JIT, pools
    const before = await gatewayRss();
    for (let round = 0; round < 3; round++) for (const attack of attacks) await send(attack);
    const after = await gatewayRss();
    expect(after / before).toBeLessThan(1.1);
    await healthy();
  });
});
