import { countStatements } from "@fedplat/event-store";
import { createLogger, createMetrics } from "@fedplat/runtime";
import {
  IDENTITY_HEADER,
  type IdentityTrust,
  parseSigningKey,
  parseVerifyKeys,
  publicJwkOf,
  signAccessToken,
  signCallerIdentity,
  type SigningKey,
  type Viewer,
} from "@fedplat/auth";
import type { PrismaLike, SubgraphDeps, SubgraphServer, SubgraphTls } from "@fedplat/subgraph";
import pg from "pg";
import { graphqlRequest, type GraphQLResponse } from "./graphqlRequest";
import { createTestDatabase, type TestDatabase } from "./testDatabase";

/** The secret test servers sign and verify access tokens with (tests only). */
export const TEST_JWT_SECRET = "test-only-secret-0123456789abcdef0123456789";
/** PII encryption keys for tests (PII_ENCRYPTION_KEYS format; tests only), active key "test1". */
export const TEST_PII_KEYS = `test1:${Buffer.alloc(32, 7).toString("base64")}`;

/*
 * Ed25519 key pairs for tests only (never used outside tests; `npm run setup` generates real ones
 * into .env). Fixed, so a test and the processes it spawns agree without passing keys around.
 */
const TEST_GATEWAY_JWK =
  '{"crv":"Ed25519","d":"spKP-SWCyp-Z_N3oeV6G89daJDriJvHDYkDqcp02Z7Q","x":"kaE02WEGiN4S85MmNeSnIAvH_TUx0cFL7xmZ_BE_d0o","kty":"OKP","kid":"test-gateway-1"}';
const TEST_PREVIOUS_GATEWAY_JWK =
  '{"crv":"Ed25519","d":"Kn611Kd89OlD9tEMNV52DoDB_AxUjkchuVYqKFD7UpA","x":"1Zp_MeMtjADv_vY1zNmK8uk_bLle5CnHxSL0R_Cr3yY","kty":"OKP","kid":"test-gateway-0"}';
const TEST_ORDERS_JWK =
  '{"crv":"Ed25519","d":"Jt8EXRlkuCIbQxCtEWApBxbldSAhtZ5ffEem-xbe6KY","x":"86WEo3iYye4Oh6FqcLBbmS200xLnP15GU8GUQ4fNTik","kty":"OKP","kid":"test-orders-1"}';

/** The test gateway's signing key (kid test-gateway-1); test subgraphs trust it. */
export const TEST_GATEWAY_KEY: SigningKey = parseSigningKey(TEST_GATEWAY_JWK);
/** A previous gateway key (kid test-gateway-0), still listed in test subgraphs' verify keys: a rotation in progress. */
export const TEST_PREVIOUS_GATEWAY_KEY: SigningKey = parseSigningKey(TEST_PREVIOUS_GATEWAY_JWK);
/** The orders service's own key (kid test-orders-1), for its calls to catalog. */
export const TEST_ORDERS_SERVICE_KEY: SigningKey = parseSigningKey(TEST_ORDERS_JWK);

const verifyList = (...keys: SigningKey[]) => JSON.stringify(keys.map(publicJwkOf));

/** The identity keys as environment variables, for spawned gateway, subgraphs and workers (tests only). */
export const TEST_IDENTITY_ENV: Readonly<Record<string, string>> = {
  GATEWAY_SIGNING_KEY: TEST_GATEWAY_JWK,
  GATEWAY_VERIFY_KEYS: verifyList(TEST_GATEWAY_KEY, TEST_PREVIOUS_GATEWAY_KEY),
  ORDERS_SERVICE_KEY: TEST_ORDERS_JWK,
  ORDERS_SERVICE_VERIFY_KEYS: verifyList(TEST_ORDERS_SERVICE_KEY),
};

/** What test subgraphs verify identities with: the gateway's current and previous keys, and orders' service key. */
export const TEST_IDENTITY_TRUST: IdentityTrust = {
  gateway: parseVerifyKeys(TEST_IDENTITY_ENV.GATEWAY_VERIFY_KEYS ?? ""),
  services: { orders: parseVerifyKeys(TEST_IDENTITY_ENV.ORDERS_SERVICE_VERIFY_KEYS ?? "") },
};

/**
 * Who a test acts as: an accounts user (`role`, as accounts stores it) or any viewer (`roles`,
 * `scopes`, `tenant`, as the gateway's identity configuration maps tokens onto them).
 */
export type TestIdentity = Pick<Viewer, "id" | "kind" | "tenant"> & {
  role?: string;
  roles?: string[];
  scopes?: string[];
};

/** The Viewer a TestIdentity stands for. */
export function testViewerOf(identity: TestIdentity): Viewer {
  const { role, roles, scopes, ...rest } = identity;
  return { ...rest, roles: roles ?? (role ? [role] : []), scopes: scopes ?? [] };
}

/**
 * Headers a request from the gateway to the subgraph named `audience` carries: the signed
 * identity of `viewer` (anonymous when null).
 */
export async function gatewayHeaders(viewer: TestIdentity | null, audience: string): Promise<Record<string, string>> {
  return {
    [IDENTITY_HEADER]: await signCallerIdentity(
      { caller: { kind: "gateway" }, viewer: viewer && testViewerOf(viewer) },
      TEST_GATEWAY_KEY,
      audience,
    ),
  };
}

export type DemoAccount = "admin" | "staff" | "customer";

export interface TestViewer {
  id: string;
  /** The account's role, as accounts stores it. */
  role: string;
  /** An access token as accounts issues it (for the gateway's Authorization header). */
  token: string;
  /** What the gateway sends a subgraph for this viewer. */
  headers: Record<string, string>;
}

export interface TestSubgraph<P> {
  url: string;
  port: number;
  prisma: P;
  database: TestDatabase;
  /** SQL statements this subgraph has sent so far (Prisma query events). */
  statements(): number;
  /** A request as the gateway sends it: anonymous unless `headers` carry a viewer's identity. */
  request<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<TData>>;
  /** A request exactly as given: no gateway identity added. */
  rawRequest<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<TData>>;
  /** A seeded demo account (admin, staff or customer) with a valid token. */
  viewer(account: DemoAccount | { id: string; role: string }): Promise<TestViewer>;
  stop(): Promise<void>;
}

export interface TestSubgraphOptions<P extends PrismaLike> {
  createPrisma(url: string): P;
  build(deps: SubgraphDeps<P>): Promise<SubgraphServer>;
  /** Reuse a database (e.g. shared by two subgraphs of one test); by default a fresh clone. */
  database?: TestDatabase;
  /** Serve HTTPS (mTLS when it requires client certificates); `url` is then https://. @default plain HTTP */
  tls?: SubgraphTls;
}

/**
 * One subgraph in-process on a free port, on its own clone of the seeded test database, with
 * statement counting; what every subgraph's integration tests start from.
 */
export async function startTestSubgraph<P extends PrismaLike>(
  options: TestSubgraphOptions<P>,
): Promise<TestSubgraph<P>> {
  const database = options.database ?? (await createTestDatabase());
  const ownsDatabase = !options.database;
  const prisma = options.createPrisma(database.url);
  let statements = 0;
  countStatements(prisma, () => statements++);
  const server = await options.build({
    prisma,
    logger: createLogger("test", "silent"),
    metrics: createMetrics("test"),
    identityTrust: TEST_IDENTITY_TRUST,
    ...(options.tls ? { tls: options.tls } : {}),
  });
  const port = await server.listen(0, "127.0.0.1");
  const url = `${options.tls ? "https" : "http"}://127.0.0.1:${port}/graphql`;
  return {
    url,
    port,
    prisma,
    database,
    statements: () => statements,
    request: async (query, variables, headers = {}) =>
      graphqlRequest(url, query, variables, {
        ...(IDENTITY_HEADER in headers ? {} : await gatewayHeaders(null, server.name)),
        ...headers,
      }),
    rawRequest: (query, variables, headers) => graphqlRequest(url, query, variables, headers),
    viewer: async (account) => {
      const identity = typeof account === "string" ? await demoAccount(database.url, account) : account;
      const token = await signAccessToken(identity, TEST_JWT_SECRET);
      return { ...identity, token, headers: await gatewayHeaders(identity, server.name) };
    },
    stop: async () => {
      await server.close();
      await prisma.$disconnect();
      if (ownsDatabase) await database.drop();
    },
  };
}

/**
 * A seeded demo account's id and role, read straight from the test database's accounts schema:
 * a fixture may look across schemas; service code never does.
 */
export async function demoAccount(databaseUrl: string, account: DemoAccount): Promise<{ id: string; role: string }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; role: string }>(
      'SELECT id, role::text AS role FROM "accounts"."users" WHERE email = $1',
      [`${account}@example.com`],
    );
    const row = rows[0];
    if (!row) throw new Error(`demo account ${account}@example.com is not in the test database`);
    return row;
  } finally {
    await client.end();
  }
}
