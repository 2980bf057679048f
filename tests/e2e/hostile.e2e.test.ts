import { createHash, randomInt, randomUUID } from "node:crypto";
import { adminBaseOf, gatewayHeaders, TEST_JWT_SECRET } from "@fedplat/devkit";
import { buildSeedData } from "@fedplat/prisma/seed/data";
import { SignJWT } from "jose";
import { type Platform, rawHttp, rawWebSocket, slowHeaders, startPlatform, trustedDocuments } from "../fixtures";

jest.setTimeout(300_000);

/**
 * The gateway as deployed: NODE_ENV=production and nothing else changed, so trusted documents are
 * enforced and the rate limits are the defaults (100 anonymous requests per IP per minute, 20
 * invalid credentials). TRUST_PROXY=loopback is the documented layout "proxy on the same host": it
 * lets each case come from an address of its own (X-Forwarded-For), as separate attackers would, so
 * one case's budget never decides another's and other suites' traffic from 127.0.0.1 cannot either.
 */
const PRODUCTION: NodeJS.ProcessEnv = {
  NODE_ENV: "production",
  TRUSTED_DOCUMENTS: undefined,
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: undefined,
  RATE_LIMIT_USER_PER_MINUTE: undefined,
  RATE_LIMIT_IP_PER_MINUTE: undefined,
  RATE_LIMIT_INVALID_CREDENTIALS_PER_MINUTE: undefined,
  TRUST_PROXY: "loopback",
};

const docs = trustedDocuments();
const doc = (name: string) => {
  const found = docs[name];
  if (!found) throw new Error(`no ${name} in the manifest`);
  return found;
};
const seed = buildSeedData();
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const productId = seed.products[0]?.id ?? "";

let platform: Platform;
/** /graphql of the production gateway, and of a replica with TRUSTED_DOCUMENTS=allow (all else production). */
let production: string;
let open: string;
let customer: Record<string, string>;
let customerOrderId: string;

/** A client address no other case (or run within a minute) uses: 198.18.0.0/15 is reserved for tests. */
let nextAddress = randomInt(0, 60_000);
const freshIp = () => {
  nextAddress = (nextAddress + 1) % 65_536;
  return `198.18.${nextAddress >> 8}.${nextAddress & 255}`;
};

interface Request {
  method?: "GET" | "POST";
  /** A JSON value sent as the body. */
  body?: unknown;
  /** A body sent as is. */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Appended to /graphql (GET query strings). */
  path?: string;
}

interface Answer {
  status: number;
  code?: string;
  message?: string;
  data?: unknown;
  errors: Array<{ message?: string; extensions?: { code?: string } }>;
  text: string;
  headers: Headers;
}

async function send(url: string, request: Request, ip = freshIp()): Promise<Answer> {
  const method = request.method ?? "POST";
  const headers = {
    ...(method === "GET" ? {} : { "content-type": request.contentType ?? "application/json" }),
    "x-forwarded-for": ip,
    ...request.headers,
  };
  const body = method === "GET" ? undefined : (request.raw ?? JSON.stringify(request.body));
  const response = await fetch(`${url}${request.path ?? ""}`, {
    method,
    headers,
    body,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  let parsed: { errors?: Answer["errors"]; data?: unknown } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // Not JSON: `code` stays undefined and the case fails unless it expects that.
  }
  const errors = Array.isArray(parsed) ? [] : (parsed.errors ?? []);
  return {
    status: response.status,
    code: errors[0]?.extensions?.code,
    message: errors[0]?.message,
    data: Array.isArray(parsed) ? undefined : parsed.data,
    errors,
    text,
    headers: response.headers,
  };
}

/** Runs a manifest document (by its text, which enforce mode accepts as identical to the manifest's). */
const run = (name: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Request => ({
  body: { query: doc(name).text, variables },
  headers,
});
const adHoc = (query: string, variables?: Record<string, unknown>): Request => ({
  body: { query, ...(variables ? { variables } : {}) },
});
const persisted = (hash: string, extra: Record<string, unknown> = {}): Request => ({
  body: { extensions: { persistedQuery: { version: 1, sha256Hash: hash } }, ...extra },
});

interface Case {
  name: string;
  /** The defence that must refuse it, as docs/security.md names it. */
  defence: string;
  /** `open`: behind the trusted documents (TRUSTED_DOCUMENTS=allow), to reach the limits they shield. @default "production" */
  gateway?: "production" | "open";
  request: () => Promise<Request> | Request;
  /** The answer's HTTP status and first error's extensions.code (none: Node answers before any GraphQL); `message` when several defences share a code. */
  expect: { status: number; code?: string; message?: RegExp } | { status: 200; data: unknown };
}

const key = new TextEncoder().encode(TEST_JWT_SECRET);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const claims = { role: "ADMIN", ver: 0 };
const token = (secret: Uint8Array, expires: number | string) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(seed.users[0]?.id ?? "x")
    .setIssuer("fedplat-accounts")
    .setAudience("fedplat")
    .setExpirationTime(expires)
    .sign(secret);
const algNone = `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "x", role: "ADMIN", iss: "fedplat-accounts", aud: "fedplat", exp: 9_999_999_999 })}.`;
const fragmentBomb = /* GraphQL */ `query { ...F0 } ${Array.from({ length: 30 }, (_, i) => `fragment F${i} on Query { products(first: 1) { totalCount } ...F${i + 1} ...F${i + 1} }`).join(" ")} fragment F30 on Query { __typename }`;
const SQL = [
  "' OR '1'='1",
  "1; DROP TABLE users; --",
  "\\'; SELECT pg_sleep(10); --",
  "%' UNION SELECT password_hash FROM accounts.users --",
];
const me = (headers: Record<string, string>) => run("Me", {}, headers);
const validation = (message: RegExp) => ({ status: 400, code: "GRAPHQL_VALIDATION_FAILED", message });
const emptyProducts = { products: { edges: [], pageInfo: { endCursor: null, hasNextPage: false }, totalCount: 0 } };

const CASES: Case[] = [
  // Before GraphQL: the body parser, the request shape, CSRF prevention.
  {
    name: "malformed JSON",
    defence: "body parser",
    request: () => ({ raw: "{ query: nope" }),
    expect: { status: 400, code: "BAD_REQUEST", message: /not valid JSON/ },
  },
  {
    name: "JSON null",
    defence: "body parser (strict: objects and arrays only)",
    request: () => ({ raw: "null" }),
    expect: { status: 400, code: "BAD_REQUEST", message: /not valid JSON/ },
  },
  {
    name: "JSON string",
    defence: "body parser (strict)",
    request: () => ({ raw: '"{ __typename }"' }),
    expect: { status: 400, code: "BAD_REQUEST", message: /not valid JSON/ },
  },
  {
    name: "JSON number",
    defence: "body parser (strict)",
    request: () => ({ raw: "42" }),
    expect: { status: 400, code: "BAD_REQUEST", message: /not valid JSON/ },
  },
  {
    name: "an unknown Content-Encoding",
    defence: "body parser",
    request: () => ({ ...run("Me"), headers: { "content-encoding": "x-bomb" } }),
    expect: { status: 415, code: "BAD_REQUEST", message: /Unsupported content encoding/ },
  },
  {
    name: "a charset other than UTF-8",
    defence: "body parser",
    request: () => ({ ...run("Me"), contentType: "application/json; charset=iso-8859-1" }),
    expect: { status: 415, code: "BAD_REQUEST", message: /Unsupported charset/ },
  },
  {
    name: "a 20 KB query string",
    defence: "HTTP_MAX_HEADER_BYTES (16 KiB, request line included)",
    request: () => ({ method: "GET", path: `?query=${"x".repeat(20_000)}` }),
    expect: { status: 431 },
  },
  {
    name: "invalid UTF-8",
    defence: "body parser",
    request: () => ({ raw: Buffer.from([0x7b, 0x22, 0x71, 0xff, 0xfe, 0x22, 0x7d]).toString("latin1") }),
    expect: { status: 400, code: "BAD_REQUEST", message: /not valid JSON/ },
  },
  {
    name: "body over 1 MB",
    defence: "BODY_LIMIT (1mb)",
    request: () => run("Me", { pad: "x".repeat(1_200_000) }),
    expect: { status: 413, code: "BAD_REQUEST", message: /too large/ },
  },
  {
    name: "empty body",
    defence: "Apollo's request check",
    request: () => ({ raw: "" }),
    expect: { status: 400, code: "BAD_REQUEST" },
  },
  {
    name: "no query",
    defence: "Apollo's request check",
    request: () => ({ body: { variables: {} } }),
    expect: { status: 400, code: "BAD_REQUEST" },
  },
  {
    name: "query is a number",
    defence: "Apollo's request check",
    request: () => ({ body: { query: 12 } }),
    expect: { status: 400, code: "BAD_REQUEST" },
  },
  {
    name: "variables is a string",
    defence: "Apollo's request check",
    request: () => ({ body: { query: doc("Me").text, variables: "x" } }),
    expect: { status: 400, code: "BAD_REQUEST" },
  },
  {
    name: "text/plain POST (CSRF-simple request)",
    defence: "CSRF prevention",
    request: () => ({ raw: JSON.stringify({ query: doc("Me").text }), contentType: "text/plain" }),
    expect: { status: 400, code: "BAD_REQUEST", message: /CSRF/ },
  },
  {
    name: "form-encoded POST",
    defence: "CSRF prevention",
    request: () => ({
      raw: `query=${encodeURIComponent(doc("Me").text)}`,
      contentType: "application/x-www-form-urlencoded",
    }),
    expect: { status: 400, code: "BAD_REQUEST", message: /CSRF/ },
  },
  {
    name: "GET without a preflight header",
    defence: "CSRF prevention",
    request: () => ({
      method: "GET",
      path: `?extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: doc("Me").hash } }))}`,
    }),
    expect: { status: 400, code: "BAD_REQUEST", message: /CSRF/ },
  },
  {
    name: "mutation over GET",
    defence: "Apollo: mutations only over POST",
    request: () => ({
      method: "GET",
      path: `?extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: doc("Logout").hash } }))}`,
      headers: { "apollo-require-preflight": "1" },
    }),
    expect: { status: 405, code: "BAD_REQUEST", message: /GET requests only support query operations/ },
  },
  {
    name: "array of garbage",
    defence: "batch limit (GRAPHQL_MAX_BATCH 1)",
    request: () => ({ raw: "[1, 2, 3]" }),
    expect: { status: 400, code: "BATCH_LIMIT_EXCEEDED" },
  },
  {
    name: "batch of two trusted documents",
    defence: "batch limit (GRAPHQL_MAX_BATCH 1)",
    request: () => ({ body: [{ query: doc("Me").text }, { query: doc("Me").text }] }),
    expect: { status: 400, code: "BATCH_LIMIT_EXCEEDED" },
  },
  {
    name: "variables over 64 KB (a 1,000-line order)",
    defence: "GRAPHQL_MAX_VARIABLES_BYTES",
    request: () =>
      run(
        "PlaceOrder",
        { input: { lines: Array.from({ length: 1_000 }, () => ({ productId, quantity: 1 })) } },
        customer,
      ),
    expect: { status: 413, code: "VARIABLES_TOO_LARGE" },
  },
  {
    name: "a 400 KB search string",
    defence: "GRAPHQL_MAX_VARIABLES_BYTES",
    request: () => run("Products", { search: "x".repeat(400_000), first: 1 }),
    expect: { status: 413, code: "VARIABLES_TOO_LARGE" },
  },
  {
    name: "variables nested 5,000 deep",
    defence: "variables depth (32)",
    request: () => ({
      raw: `{"query":${JSON.stringify(doc("Products").text)},"variables":{"search":${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}}}`,
    }),
    expect: { status: 400, code: "VARIABLES_TOO_DEEP" },
  },

  // Trusted documents (enforced in production).
  {
    name: "an ad-hoc document",
    defence: "trusted documents (enforce)",
    request: () => adHoc(/* GraphQL */ "{ products(first: 1) { totalCount } }"),
    expect: { status: 400, code: "PERSISTED_QUERY_REQUIRED" },
  },
  {
    name: "introspection",
    defence: "trusted documents (enforce)",
    request: () => adHoc(/* GraphQL */ "{ __schema { types { name } } }"),
    expect: { status: 400, code: "PERSISTED_QUERY_REQUIRED" },
  },
  {
    name: "a trusted document with one field added",
    defence: "trusted documents (enforce)",
    request: () => adHoc(doc("Me").text.replace("role", "role createdAt")),
    expect: { status: 400, code: "PERSISTED_QUERY_REQUIRED" },
  },
  {
    name: "an unknown persisted query id",
    defence: "trusted documents (enforce)",
    request: () => persisted("0".repeat(64)),
    expect: { status: 400, code: "PERSISTED_QUERY_NOT_IN_LIST" },
  },
  {
    name: "APQ registration of a new document",
    defence: "trusted documents (enforce)",
    request: () => ({
      body: {
        query: /* GraphQL */ "{ __typename }",
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256(/* GraphQL */ "{ __typename }") } },
      },
    }),
    expect: { status: 400, code: "PERSISTED_QUERY_NOT_IN_LIST" },
  },
  {
    name: "a trusted id with another document",
    defence: "persisted-query hash check",
    request: () => ({
      body: {
        query: /* GraphQL */ "{ users(first: 50) { totalCount } }",
        extensions: { persistedQuery: { version: 1, sha256Hash: doc("Me").hash } },
      },
    }),
    expect: { status: 400, code: "PERSISTED_QUERY_HASH_MISMATCH" },
  },
  {
    name: "extensions that are not an object",
    defence: "persisted-query extension check",
    request: () => ({ body: { query: doc("Me").text, extensions: "[]" } }),
    expect: { status: 400, code: "PERSISTED_QUERY_MALFORMED" },
  },
  {
    name: "a hash that is not 64 hex characters",
    defence: "persisted-query extension check",
    request: () => persisted("../../etc/passwd"),
    expect: { status: 400, code: "PERSISTED_QUERY_MALFORMED" },
  },
  {
    name: "unknown operationName on a trusted document",
    defence: "operation guard",
    request: () => ({ body: { query: doc("Me").text, operationName: "Admin" } }),
    expect: { status: 400, code: "BAD_REQUEST", message: /Unknown operation/ },
  },

  // Credentials: refused with 401 before any subgraph is called.
  {
    name: "forged token",
    defence: "token verification",
    request: () => me({ authorization: "Bearer abc.def.ghi" }),
    expect: { status: 401, code: "UNAUTHENTICATED" },
  },
  {
    name: "expired token",
    defence: "token verification (exp)",
    request: async () => me({ authorization: `Bearer ${await token(key, Math.floor(Date.now() / 1000) - 10)}` }),
    expect: { status: 401, code: "UNAUTHENTICATED" },
  },
  {
    name: "alg none token",
    defence: "token verification (HS256 only)",
    request: () => me({ authorization: `Bearer ${algNone}` }),
    expect: { status: 401, code: "UNAUTHENTICATED" },
  },
  {
    name: "token signed with another secret",
    defence: "token verification",
    request: async () =>
      me({
        authorization: `Bearer ${await token(new TextEncoder().encode("not-the-secret-not-the-secret-not-the-secret"), "1h")}`,
      }),
    expect: { status: 401, code: "UNAUTHENTICATED" },
  },
  {
    name: "Basic auth",
    defence: "token verification (Bearer only)",
    request: () => me({ authorization: "Basic YWRtaW46YWRtaW4=" }),
    expect: { status: 401, code: "UNAUTHENTICATED" },
  },
  {
    name: "bogus API key",
    defence: "API key look-up",
    request: () => me({ "x-api-key": "fpk_guess" }),
    expect: { status: 401, code: "UNAUTHENTICATED" },
  },
  {
    name: "a token and an API key at once",
    defence: "identity (one credential)",
    request: () => me({ ...customer, "x-api-key": "fpk_guess" }),
    expect: { status: 400, code: "BAD_REQUEST" },
  },
  {
    name: "an unsigned identity header",
    defence: "client identity headers dropped",
    request: () => me({ "x-fedplat-identity": algNone, "x-user-id": "admin" }),
    expect: { status: 200, data: { me: null } },
  },

  // Input that is only data reaches resolvers as data.
  ...SQL.flatMap((sql, i): Case[] => [
    {
      name: `SQL in product(id) #${i}`,
      defence: "parameterised queries (Prisma)",
      request: () => run("Product", { id: sql }),
      expect: { status: 200, data: { product: null } },
    },
    {
      name: `SQL in products(search) #${i}`,
      defence: "parameterised queries (Prisma)",
      request: () => run("Products", { search: sql, first: 1 }),
      expect: { status: 200, data: emptyProducts },
    },
    {
      name: `SQL in login #${i}`,
      defence: "login: generic refusal",
      request: () => run("Login", { email: sql, password: sql }),
      expect: { status: 200, code: "UNAUTHENTICATED" },
    },
    {
      name: `SQL in register #${i}`,
      defence: "input validation (accounts)",
      request: () => run("Register", { input: { email: sql, password: "s3cretpass", name: sql } }),
      expect: { status: 200, code: "BAD_USER_INPUT" },
    },
    {
      name: `SQL in order(id) #${i}`,
      defence: "parameterised queries (Prisma)",
      request: () => run("Order", { id: sql }, customer),
      expect: { status: 200, data: { order: null } },
    },
    {
      name: `SQL in a cursor #${i}`,
      defence: "cursor validation (catalog)",
      request: () => run("Products", { after: sql, first: 1 }),
      expect: { status: 200, code: "BAD_USER_INPUT" },
    },
  ]),
  {
    name: "NUL bytes in a search",
    defence: "input validation (catalog)",
    request: () => run("Products", { search: "\u0000\u0000", first: 1 }),
    expect: { status: 200, code: "BAD_USER_INPUT", message: /NUL characters/ },
  },
  {
    name: "2^31 page size",
    defence: "Int coercion",
    request: () => run("Products", { first: 2_147_483_648 }),
    expect: { status: 400, code: "BAD_USER_INPUT" },
  },
  {
    name: "negative page size",
    defence: "page size validation (catalog)",
    request: () => run("Products", { first: -5 }),
    expect: { status: 200, code: "BAD_USER_INPUT" },
  },
  {
    name: "absurd quantity",
    defence: "order validation (orders)",
    request: () => run("PlaceOrder", { input: { lines: [{ productId, quantity: 1_000_000_000 }] } }, customer),
    expect: { status: 200, code: "BAD_USER_INPUT" },
  },

  // Behind the trusted documents (TRUSTED_DOCUMENTS=allow): the limits that hold if a document gets through.
  {
    gateway: "open",
    name: "syntax error",
    defence: "parser",
    request: () => adHoc(/* GraphQL */ "{ products { "),
    expect: { status: 400, code: "GRAPHQL_PARSE_FAILED" },
  },
  {
    gateway: "open",
    name: "unknown field",
    defence: "validation",
    request: () => adHoc(/* GraphQL */ "{ secrets }"),
    expect: validation(/Cannot query field "secrets"/),
  },
  {
    gateway: "open",
    name: "field suggestion probing",
    defence: "field suggestions blocked",
    request: () => adHoc('{ product(id: "x") { nam } }'),
    expect: validation(/^(?![\s\S]*Did you mean)[\s\S]*Cannot query field "nam"/),
  },
  {
    gateway: "open",
    name: "two anonymous operations",
    defence: "validation",
    request: () => adHoc(/* GraphQL */ "{ __typename } { __typename }"),
    expect: validation(/anonymous operation/),
  },
  {
    gateway: "open",
    name: "introspection in production",
    defence: "introspection off",
    request: () => adHoc(/* GraphQL */ "{ __schema { types { name fields { name } } } }"),
    expect: validation(/introspection/i),
  },
  {
    gateway: "open",
    name: "deep nesting",
    defence: "GRAPHQL_MAX_DEPTH (10)",
    request: () => adHoc(/* GraphQL */ `{ me { ${"orders(first: 1) { customer { ".repeat(6)}id${" } }".repeat(6)} } }`),
    expect: validation(/depth limit/i),
  },
  {
    gateway: "open",
    name: "costly selection",
    defence: "demand control (DEMAND_CONTROL_MAX_COST 5000)",
    request: () =>
      adHoc(
        /* GraphQL */ `{ orders(first: 20) { edges { node { customer { orders(first: 10) { lines { product { ${"id sku name description priceCents currency stock ".repeat(1)} } } } } } } } }`,
      ),
    expect: {
      status: 200,
      code: "COST_ESTIMATED_TOO_EXPENSIVE",
      message: /estimated cost 20261 exceeds the limit of 5000/,
    },
  },
  // Cost bombs graphql-armor's heuristic (objects 2, scalars 1, x1.5 per level) let through: it
  // cannot know that first: 100 returns 100 items, each with up to 50 order lines.
  {
    gateway: "open",
    name: "cost bomb: a page of 100 orders with every line's product",
    defence: "demand control (DEMAND_CONTROL_MAX_COST 5000)",
    request: () => adHoc(/* GraphQL */ "{ orders(first: 100) { edges { node { lines { product { id } } } } } }"),
    expect: { status: 200, code: "COST_ESTIMATED_TOO_EXPENSIVE", message: /estimated cost 10201 / },
  },
  {
    gateway: "open",
    name: "cost bomb: the viewer's 100 newest orders with every line's product",
    defence: "demand control (DEMAND_CONTROL_MAX_COST 5000)",
    request: () => adHoc(/* GraphQL */ "{ me { orders(first: 100) { lines { product { id name } } } } }"),
    expect: { status: 200, code: "COST_ESTIMATED_TOO_EXPENSIVE", message: /estimated cost 10101 / },
  },
  // graphql-armor lets aliases of __typename through (they cost nothing): the bomb aliases a real field.
  {
    gateway: "open",
    name: "alias bomb",
    defence: "GRAPHQL_MAX_ALIASES (15)",
    request: () =>
      adHoc(
        /* GraphQL */ `{ products(first: 1) { edges { node { ${Array.from({ length: 16 }, (_, i) => `a${i}: id`).join(" ")} } } } }`,
      ),
    expect: validation(/Aliases limit of 15/),
  },
  {
    gateway: "open",
    name: "many root fields",
    defence: "GRAPHQL_MAX_ROOT_FIELDS (10)",
    request: () =>
      adHoc(
        /* GraphQL */ "{ me { id } products(first: 1) { totalCount } orders(first: 1) { totalCount } users(first: 1) { totalCount } apiKeys { id } deadLetters { id } deadLetterCount accountsAuditLog(first: 1) { totalCount } catalogAuditLog(first: 1) { totalCount } operationsAuditLog(first: 1) { totalCount } paymentReconciliation(first: 1) { mismatchCount } }",
      ),
    expect: validation(/root fields/),
  },
  {
    gateway: "open",
    name: "directive flood",
    defence: "GRAPHQL_MAX_DIRECTIVES (50)",
    request: () => adHoc(/* GraphQL */ `{ __typename ${"@skip(if: false) ".repeat(60)} }`),
    expect: validation(/directives/i),
  },
  {
    gateway: "open",
    name: "token flood",
    defence: "GRAPHQL_MAX_TOKENS (2000)",
    request: () => adHoc(`{ ${"__typename ".repeat(5_000)} }`),
    expect: { status: 400, code: "QUERY_TOO_LARGE" },
  },
  {
    gateway: "open",
    name: "fragment bomb",
    defence: "GRAPHQL_MAX_EXPANDED_FIELDS (5000)",
    request: () => adHoc(fragmentBomb),
    expect: { status: 400, code: "QUERY_TOO_COMPLEX", message: /expands to more than/ },
  },
  {
    gateway: "open",
    name: "cyclic fragments",
    defence: "fragment cycle check",
    request: () => adHoc(/* GraphQL */ "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"),
    expect: { status: 400, code: "QUERY_TOO_COMPLEX", message: /spreads itself/ },
  },
  {
    gateway: "open",
    name: "an unknown persisted query id",
    defence: "APQ: unknown id",
    request: () => persisted("1".repeat(64)),
    expect: { status: 200, code: "PERSISTED_QUERY_NOT_FOUND" },
  },
  {
    gateway: "open",
    name: "an admin field, anonymously",
    defence: "@policy at the gateway (shield behind it)",
    request: () => adHoc(/* GraphQL */ "{ users(first: 1) { totalCount } }"),
    expect: { status: 200, code: "UNAUTHORIZED_FIELD_OR_TYPE" },
  },
];

/** What a case got, next to what it expects: "" when they agree. */
async function check(testCase: Case): Promise<string> {
  const answer = await send(testCase.gateway === "open" ? open : production, await testCase.request());
  const { expect: wanted } = testCase;
  const got = `${answer.status} ${answer.code ?? "-"} ${answer.text.slice(0, 240)}`;
  if ("data" in wanted) {
    return answer.status === 200 &&
      answer.errors.length === 0 &&
      JSON.stringify(answer.data) === JSON.stringify(wanted.data)
      ? ""
      : `${testCase.name} [${testCase.defence}]: expected data ${JSON.stringify(wanted.data)}, got ${got}`;
  }
  const ok =
    answer.status === wanted.status &&
    answer.code === wanted.code &&
    (!wanted.message || wanted.message.test(answer.message ?? ""));
  return ok
    ? ""
    : `${testCase.name} [${testCase.defence}]: expected ${wanted.status} ${wanted.code ?? "-"}${wanted.message ? ` ${wanted.message}` : ""}, got ${got}`;
}

/** Internals a refusal must never show. */
const LEAKS = /\bat \S+ \(|node_modules|\/work\/|stacktrace|prisma\./i;

async function healthy(url = production): Promise<void> {
  const res = await send(url, run("Products", { first: 1 }));
  expect({
    status: res.status,
    totalCount: (res.data as { products?: { totalCount?: number } } | undefined)?.products?.totalCount,
  }).toEqual({ status: 200, totalCount: 200 });
}

async function login(email: string): Promise<Record<string, string>> {
  const res = await send(production, run("Login", { email, password: "Passw0rd!" }));
  const accessToken = (res.data as { login?: { accessToken?: string } } | undefined)?.login?.accessToken;
  if (!accessToken) throw new Error(`login failed for ${email}: ${res.text}`);
  return { authorization: `Bearer ${accessToken}` };
}

beforeAll(async () => {
  platform = await startPlatform({ gatewayEnv: PRODUCTION });
  production = platform.gatewayUrl;
  open = await platform.addGateway({ TRUSTED_DOCUMENTS: "allow" });
  customer = await login("customer@example.com");
  const placed = await send(
    production,
    run("PlaceOrder", { input: { lines: [{ productId, quantity: 1 }] } }, customer),
  );
  customerOrderId = (placed.data as { placeOrder?: { id?: string } } | undefined)?.placeOrder?.id ?? "";
  if (!customerOrderId) throw new Error(`placeOrder failed: ${placed.text}`);
});
afterAll(() => platform?.stop());

describe("a corpus of hostile requests against production defaults", () => {
  it("is refused by the defence each case names, with its exact status and code, leaking nothing", async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    const problems: string[] = [];
    for (const testCase of CASES) {
      const problem = await check(testCase);
      if (problem) problems.push(problem);
    }
    expect(problems).toEqual([]);
    await healthy();
    await healthy(open);
  });

  it("refuses every document the limits behind them would catch with the trusted documents first (PERSISTED_QUERY_REQUIRED)", async () => {
    const documents = CASES.filter((c) => c.gateway === "open" && !c.name.includes("persisted"));
    const codes = await Promise.all(
      documents.map(async (c) => `${c.name}: ${(await send(production, await c.request())).code}`),
    );
    expect(codes).toEqual(documents.map((c) => `${c.name}: PERSISTED_QUERY_REQUIRED`));
  });

  it("never shows internals in any refusal", async () => {
    const leaks: string[] = [];
    for (const testCase of CASES) {
      const answer = await send(testCase.gateway === "open" ? open : production, await testCase.request());
      if (LEAKS.test(answer.text)) leaks.push(`${testCase.name}: ${answer.text.slice(0, 200)}`);
    }
    expect(leaks).toEqual([]);
  });

  it("keeps gateway memory within 10% across repeated runs of the corpus", async () => {
    const gateway = platform.services.gateway;
    if (!gateway) throw new Error("no gateway");
    // In production /metrics is on the gateway's admin port, not the public one.
    const rss = async () =>
      Number(
        /^process_resident_memory_bytes\{[^}]*\} (\d+)/m.exec(
          await (await fetch(`${adminBaseOf(gateway)}/metrics`)).text(),
        )?.[1] ?? Number.NaN,
      );
    const all = async () => {
      for (const testCase of CASES) if (testCase.gateway !== "open") await send(production, await testCase.request());
    };
    await all(); // warm-up: caches, JIT, pools
    const before = await rss();
    for (let round = 0; round < 3; round++) await all();
    expect((await rss()) / before).toBeLessThan(1.1);
    await healthy();
  });
});

describe("rate limits at their production defaults", () => {
  it("serves 100 anonymous requests per address per minute, then answers 429 RATE_LIMITED with Retry-After", async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let batch = 0; batch < 10; batch++)
      statuses.push(
        ...(await Promise.all(Array.from({ length: 10 }, () => send(production, me({}), ip)))).map((a) => a.status),
      );
    expect(statuses).toEqual(Array.from({ length: 100 }, () => 200));
    const refused = await send(production, me({}), ip);
    expect({ status: refused.status, code: refused.code }).toEqual({ status: 429, code: "RATE_LIMITED" });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    await healthy(); // another address is served
  });

  it("refuses an address that sent 20 invalid credentials before looking up its next ones, even valid ones", async () => {
    const ip = freshIp();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => send(production, me({ "x-api-key": `fpk_${randomUUID()}${i}` }), ip)),
    );
    expect(answers.map((a) => `${a.status} ${a.code}`)).toEqual(
      Array.from({ length: 20 }, () => "401 UNAUTHENTICATED"),
    );
    const next = await send(production, me(customer), ip);
    expect({ status: next.status, code: next.code, message: next.message }).toEqual({
      status: 429,
      code: "RATE_LIMITED",
      message: expect.stringMatching(/invalid credentials/),
    });
  });
});

describe("the credential attacks of issue 20", () => {
  it("locks an email after 5 failed logins (ACCOUNT_LOCKED, without checking the password), and keeps login on the per-IP budget whatever token it carries", async () => {
    const victim = seed.users.find((user, index) => index > 5 && user.role === "CUSTOMER");
    if (!victim) throw new Error("no customer in the seed");
    const ip = freshIp();
    const codes: string[] = [];
    // With a valid token (a fresh per-user budget) the guesses still count on the address's 100.
    for (let i = 0; i < 100; i++)
      codes.push(
        (await send(production, run("Login", { email: victim.email, password: `guess-${i}` }, customer), ip)).code ??
          "none",
      );
    expect(codes.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => "UNAUTHENTICATED"));
    expect(new Set(codes.slice(5))).toEqual(new Set(["ACCOUNT_LOCKED"]));
    // The right password is refused too while locked.
    expect((await send(production, run("Login", { email: victim.email, password: "Passw0rd!" }))).code).toBe(
      "ACCOUNT_LOCKED",
    );
    const refused = await send(production, run("Login", { email: victim.email, password: "guess-101" }, customer), ip);
    expect({ status: refused.status, code: refused.code }).toEqual({ status: 429, code: "RATE_LIMITED" });
  });

  it("serves /metrics and /health only on the admin port in production", async () => {
    const base = production.replace(/\/graphql$/, "");
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    expect((await fetch(`${base}/health/ready`)).status).toBe(404);
  });
});

describe("identity headers sent by a client", () => {
  it("drops an x-fedplat-identity correctly signed with the gateway's own key: the request acts anonymously, or as its own token", async () => {
    const admin = seed.users.find((user) => user.role === "ADMIN");
    if (!admin) throw new Error("no admin in the seed");
    const forged = await gatewayHeaders({ id: admin.id, role: "ADMIN" }, "accounts");
    const anonymous = await send(production, me(forged));
    expect({ status: anonymous.status, errors: anonymous.errors, data: anonymous.data }).toEqual({
      status: 200,
      errors: [],
      data: { me: null },
    });
    const asCustomer = await send(production, me({ ...customer, ...forged }));
    expect(asCustomer.data).toEqual({
      me: expect.objectContaining({ email: "customer@example.com", role: "CUSTOMER" }),
    });
    // An admin-only field with the forged header is refused as for anyone anonymous: by the
    // gateway's @policy, whose viewer the forged header does not change.
    const users = await send(open, { ...adHoc(/* GraphQL */ "{ users(first: 1) { totalCount } }"), headers: forged });
    expect({ status: users.status, code: users.code, data: users.data }).toEqual({
      status: 200,
      code: "UNAUTHORIZED_FIELD_OR_TYPE",
      data: null,
    });
  });
});

describe("slow and oversized headers", () => {
  it("closes a client that sends headers slowly with 408 once HTTP_HEADERS_TIMEOUT_MS (10 s) has passed, serving others meanwhile", async () => {
    const port = platform.services.gateway?.port ?? 0;
    const slow = slowHeaders(port, 500);
    // While the slow client trickles, the gateway answers others normally.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await healthy();
    const { answer, closedAfterMs } = await slow;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).toBeGreaterThanOrEqual(9_500);
    expect(closedAfterMs).toBeLessThan(13_000); // the timeout plus the 1 s sweep and some scheduling slack
    await healthy();
  });

  it("answers 431 to 64 KB of headers (HTTP_MAX_HEADER_BYTES 16 KiB) and keeps serving", async () => {
    const port = platform.services.gateway?.port ?? 0;
    const answer = await rawHttp(
      port,
      `POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nX-Big: ${"a".repeat(65_536)}\r\nContent-Length: 2\r\n\r\n{}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    await healthy();
  });
});

describe("hostile WebSocket frames on /graphql (graphql-ws)", () => {
  const init = (params: Record<string, unknown> = customer) => ({ type: "connection_init", payload: params });
  const subscribe = (id: string, payload: Record<string, unknown>) => ({ id, type: "subscribe", payload });
  const orderSubscription = () => ({ query: doc("OrderStatusChanged").text, variables: { orderId: customerOrderId } });
  const connected = async (headers: Record<string, string> = {}) => {
    const socket = rawWebSocket(production, { "x-forwarded-for": freshIp(), ...headers });
    await socket.opened;
    socket.send(init());
    await socket.message((m) => m.type === "connection_ack");
    return socket;
  };

  /** A socket closed by the server: its close code and reason. */
  const closedBy = async (
    frames: (socket: ReturnType<typeof rawWebSocket>) => Promise<void> | void,
    options: { ack?: boolean } = {},
  ) => {
    const socket =
      options.ack === false ? rawWebSocket(production, { "x-forwarded-for": freshIp() }) : await connected();
    await socket.opened;
    await frames(socket);
    return socket.closed;
  };

  it("closes each protocol violation with the code graphql-ws defines", async () => {
    expect(await closedBy((s) => s.send("this is not JSON"))).toMatchObject({ code: 4400 });
    expect(await closedBy((s) => s.send({ type: "gimme_admin" }))).toMatchObject({ code: 4400 });
    expect(await closedBy((s) => s.send(subscribe("1", orderSubscription())), { ack: false })).toEqual({
      code: 4401,
      reason: "Unauthorized",
    });
    expect(await closedBy((s) => s.send(init()))).toEqual({ code: 4429, reason: "Too many initialisation requests" });
    expect(await closedBy(() => undefined, { ack: false })).toEqual({
      code: 4408,
      reason: "Connection initialisation timeout",
    });
    expect(
      await closedBy(async (s) => {
        s.send(subscribe("dup", orderSubscription()));
        await s.message((m) => m.id === "dup" && m.type === "next");
        s.send(subscribe("dup", orderSubscription()));
      }),
    ).toEqual({ code: 4409, reason: "Subscriber for dup already exists" });
  });

  it("closes a frame above SUBSCRIPTIONS_MAX_MESSAGE_BYTES (64 KiB) with 1009", async () => {
    expect(
      await closedBy((s) =>
        s.send(subscribe("big", { query: doc("OrderStatusChanged").text, variables: { orderId: "x".repeat(70_000) } })),
      ),
    ).toMatchObject({ code: 1009 });
  });

  it("refuses bad credentials with 4401, and an address past 20 of them with 4429 before any look-up", async () => {
    const ip = freshIp();
    const attempt = async (params: Record<string, unknown>) => {
      const socket = rawWebSocket(production, { "x-forwarded-for": ip });
      await socket.opened;
      socket.send(init(params));
      return socket.closed;
    };
    const refusals = await Promise.all(
      Array.from({ length: 20 }, (_, i) => attempt({ "x-api-key": `fpk_${randomUUID()}${i}` })),
    );
    expect(refusals.map((r) => r.code)).toEqual(Array.from({ length: 20 }, () => 4401));
    expect(await attempt(customer)).toEqual({
      code: 4429,
      reason: expect.stringMatching(/^Too many requests with invalid credentials from this address; retry in \d+ s$/),
    });
  });

  it("answers untrusted, invalid and excess subscriptions with an error message, keeping the connection", async () => {
    const socket = await connected();
    socket.send(subscribe("adhoc", { query: /* GraphQL */ "subscription { myOrderUpdates { id status } }" }));
    socket.send(subscribe("query", { query: doc("Me").text }));
    socket.send(
      subscribe("unknown", { query: "", extensions: { persistedQuery: { version: 1, sha256Hash: "2".repeat(64) } } }),
    );
    const codeOf = async (id: string) =>
      (
        (await socket.message((m) => m.id === id && m.type === "error")).payload as Array<{
          extensions?: { code?: string };
        }>
      )[0]?.extensions?.code;
    expect(await codeOf("adhoc")).toBe("PERSISTED_QUERY_REQUIRED");
    expect(await codeOf("query")).toBe("BAD_REQUEST");
    expect(await codeOf("unknown")).toBe("PERSISTED_QUERY_NOT_IN_LIST");
    // SUBSCRIPTIONS_MAX_PER_CONNECTION (20): the 21st is refused, the 20 keep running.
    for (let i = 0; i < 20; i++) socket.send(subscribe(`s${i}`, orderSubscription()));
    for (let i = 0; i < 20; i++) await socket.message((m) => m.id === `s${i}` && m.type === "next");
    socket.send(subscribe("s20", orderSubscription()));
    expect(await codeOf("s20")).toBe("TOO_MANY_SUBSCRIPTIONS");
    socket.close();
  });

  it("keeps serving subscriptions and queries after all of it", async () => {
    const socket = await connected();
    socket.send(subscribe("after", orderSubscription()));
    const first = await socket.message((m) => m.id === "after" && m.type === "next");
    // The saga may have confirmed the order by now: any state of it is the live answer.
    expect(first.payload).toMatchObject({
      data: { orderStatusChanged: { id: customerOrderId, status: expect.stringMatching(/^(PENDING|CONFIRMED)$/) } },
    });
    socket.close();
    await healthy();
  });
});
