import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { buildSubgraph, FEDERATION_UNNAMED_SUBGRAPH_NAME, printSchema } from "@apollo/federation-internals";
import { buildAccountsServer, createAccountsPrisma } from "@fedplat/accounts";
import { buildCatalogServer, createCatalogPrisma } from "@fedplat/catalog";
import { createFieldCipher, createLogger, createMetrics, createRedis, type Redis } from "@fedplat/runtime";
import {
  createTestDatabase,
  demoAccount,
  gatewayHeaders,
  graphqlRequest,
  type GraphQLResponse,
  repoRoot,
  startTestSubgraph,
  TEST_IDENTITY_TRUST,
  TEST_ORDERS_SERVICE_KEY,
  TEST_JWT_SECRET,
  TEST_PII_KEYS,
  type TestDatabase,
} from "@fedplat/devkit";
import { DEAD_LETTER_QUEUE, withLiveDirective } from "@fedplat/events";
import { readSupergraphConfig } from "@fedplat/tools";
import { buildNotificationsServer, createNotificationsPrisma } from "@fedplat/notifications";
import { buildOrdersServer, createCatalogClient, createOrdersPrisma } from "@fedplat/orders";
import { buildPaymentsServer, createPaymentsPrisma } from "@fedplat/payments";
import { buildWorkersAdmin, deadLetterOps, redisAuditLog } from "@fedplat/workers";
import { Queue } from "bullmq";
import { type DirectiveNode, Kind, parse, type SelectionSetNode, valueFromASTUntyped } from "graphql";
import pg from "pg";

/**
 * The gateway's side of the federation contract, checked against each running subgraph: the SDL
 * it serves (`_service`) is its SDL file, and `_entities` resolves every @key it declares.
 */

const configPath = resolve(repoRoot, "supergraph.yaml");
const config = readSupergraphConfig(configPath);
const sdlFiles = Object.entries(config.subgraphs).map(([name, { schema }]) => ({
  name,
  file: resolve(dirname(configPath), schema.file),
}));

interface DeclaredKey {
  subgraph: string;
  typeName: string;
  fields: string;
  resolvable: boolean;
}

function argument(directive: DirectiveNode, name: string): unknown {
  const node = directive.arguments?.find((arg) => arg.name.value === name);
  return node ? valueFromASTUntyped(node.value) : undefined;
}

/** Every @key of every entity in the subgraphs' SDL files. */
const declaredKeys: DeclaredKey[] = sdlFiles.flatMap(({ name, file }) =>
  parse(readFileSync(file, "utf8")).definitions.flatMap((definition) => {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) return [];
    return (definition.directives ?? [])
      .filter((directive) => directive.name.value === "key")
      .map((directive) => ({
        subgraph: name,
        typeName: definition.name.value,
        fields: String(argument(directive, "fields")),
        resolvable: argument(directive, "resolvable") !== false,
      }));
  }),
);

/** A seeded row of each entity, read straight from the test database (a fixture may look across schemas). */
const SAMPLE_ROWS: Record<string, string> = {
  User: `SELECT id FROM "accounts"."users" ORDER BY email LIMIT 1`,
  Product: `SELECT id FROM "catalog"."products" ORDER BY sku LIMIT 1`,
  Order: `SELECT id FROM "orders"."orders" ORDER BY id LIMIT 1`,
  Payment: `SELECT id FROM "payments"."payments" ORDER BY id LIMIT 1`,
  Notification: `SELECT id FROM "notifications"."notifications" ORDER BY id LIMIT 1`,
};

/** The top-level fields of a key's field set; nested keys would need a nested representation. */
function keyFieldNames(fields: string): string[] {
  const selection = (parse(`{ ${fields} }`).definitions[0] as { selectionSet: SelectionSetNode }).selectionSet;
  return selection.selections.map((node) => {
    if (node.kind !== Kind.FIELD || node.selectionSet)
      throw new Error(`key "${fields}": only top-level scalar key fields are covered by this test; extend it`);
    return node.name.value;
  });
}

interface RunningSubgraph {
  request<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

let database: TestDatabase;
let redis: Redis;
const running = new Map<string, RunningSubgraph>();
const prefix = `contracts-${randomUUID()}`;

/** How each subgraph of supergraph.yaml is started in-process, as its own tests do. */
const STARTERS: Record<string, (headers: Record<string, string>) => Promise<RunningSubgraph>> = {
  accounts: (headers) =>
    started(
      startTestSubgraph({
        createPrisma: createAccountsPrisma,
        database,
        build: (deps) =>
          buildAccountsServer({
            ...deps,
            jwtSecret: TEST_JWT_SECRET,
            cipher: createFieldCipher(TEST_PII_KEYS, "test1"),
          }),
      }),
      headers,
    ),
  catalog: (headers) =>
    started(startTestSubgraph({ createPrisma: createCatalogPrisma, database, build: buildCatalogServer }), headers),
  orders: (headers) =>
    started(
      startTestSubgraph({
        createPrisma: createOrdersPrisma,
        database,
        build: (deps) =>
          buildOrdersServer({
            ...deps,
            catalog: createCatalogClient("http://127.0.0.1:9/graphql", TEST_ORDERS_SERVICE_KEY, 2_000),
          }),
      }),
      headers,
    ),
  payments: (headers) =>
    started(startTestSubgraph({ createPrisma: createPaymentsPrisma, database, build: buildPaymentsServer }), headers),
  notifications: (headers) =>
    started(
      startTestSubgraph({ createPrisma: createNotificationsPrisma, database, build: buildNotificationsServer }),
      headers,
    ),
  operations: async (headers) => {
    const deadLetters = new Queue(DEAD_LETTER_QUEUE, { connection: redis, prefix });
    const server = await buildWorkersAdmin({
      redis,
      queues: [deadLetters],
      deadLetters: deadLetterOps(deadLetters, () => undefined, { attempts: 1, backoffMs: 10 }),
      audit: redisAuditLog(redis, prefix, 1_000),
      metrics: createMetrics("workers"),
      logger: createLogger("contracts", "silent"),
      identityTrust: TEST_IDENTITY_TRUST,
    });
    const url = `http://127.0.0.1:${await server.listen(0, "127.0.0.1")}/graphql`;
    return {
      request: (query, variables) => graphqlRequest(url, query, variables, headers),
      stop: async () => {
        await server.close();
        await deadLetters.close();
      },
    };
  },
};

async function started(
  pending: ReturnType<typeof startTestSubgraph>,
  headers: Record<string, string>,
): Promise<RunningSubgraph> {
  const subgraph = await pending;
  return { request: (query, variables) => subgraph.request(query, variables, headers), stop: () => subgraph.stop() };
}

beforeAll(async () => {
  database = await createTestDatabase();
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "contracts-test");
  // As an ADMIN: the contract is about what the subgraph can resolve, not who may read it.
  const admin = await demoAccount(database.url, "admin");
  for (const { name } of sdlFiles) {
    const start = STARTERS[name];
    // Signed for this subgraph alone: each refuses an identity meant for another (aud).
    if (start) running.set(name, await start(await gatewayHeaders(admin, name)));
  }
}, 120_000);

afterAll(async () => {
  for (const subgraph of running.values()) await subgraph.stop();
  const keys = redis ? await redis.keys(`${prefix}:*`) : [];
  if (keys.length) await redis.del(...keys);
  await redis?.quit();
  await database?.drop();
});

function subgraphNamed(name: string): RunningSubgraph {
  const subgraph = running.get(name);
  if (!subgraph)
    throw new Error(`subgraph ${name} (supergraph.yaml) has no starter in STARTERS: add one so its contract is tested`);
  return subgraph;
}

describe("_service { sdl }", () => {
  it.each(sdlFiles)("$name serves the SDL of its file", async ({ name, file }) => {
    const response = await subgraphNamed(name).request<{ _service: { sdl: string } }>(
      /* GraphQL */ `{ _service { sdl } }`,
    );
    expect(response.errors).toBeUndefined();
    // What @apollo/subgraph prints for a schema built from this file (with the shared @live
    // definition the subgraph servers add, as composition does): any other SDL means the process
    // serves something the supergraph was not composed from.
    const expected = printSchema(
      buildSubgraph(FEDERATION_UNNAMED_SUBGRAPH_NAME, "", withLiveDirective(parse(readFileSync(file, "utf8"))), false)
        .schema,
    );
    expect(response.data?._service.sdl).toBe(expected);
  });
});

describe("_entities", () => {
  const resolvable = declaredKeys.filter((key) => key.resolvable);

  it("covers every entity type the subgraphs declare", () => {
    expect(resolvable.length).toBeGreaterThanOrEqual(5);
    expect(
      resolvable.filter((key) => !(key.typeName in SAMPLE_ROWS)).map((key) => `${key.subgraph}: ${key.typeName}`),
    ).toEqual([]);
  });

  it.each(resolvable)(
    '$subgraph resolves $typeName by @key(fields: "$fields")',
    async ({ subgraph, typeName, fields }) => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query<Record<string, unknown>>(SAMPLE_ROWS[typeName]!).finally(() => client.end());
      expect(rows).toHaveLength(1);
      const keyFields = keyFieldNames(fields);
      const representation = {
        __typename: typeName,
        ...Object.fromEntries(keyFields.map((field) => [field, rows[0]![field]])),
      };
      const response = await subgraphNamed(subgraph).request<{ _entities: unknown[] }>(
        /* GraphQL */ `query Entities($representations: [_Any!]!) { _entities(representations: $representations) { __typename ... on ${typeName} { ${keyFields.join(" ")} } } }`,
        { representations: [representation] },
      );
      expect(response.errors).toBeUndefined();
      expect(response.data?._entities).toEqual([representation]);
    },
  );

  it("declares references it cannot resolve as resolvable: false (the gateway never asks for them)", () => {
    expect(declaredKeys.filter((key) => !key.resolvable).map((key) => `${key.subgraph}: ${key.typeName}`)).toEqual([
      "orders: Product",
    ]);
  });
});
