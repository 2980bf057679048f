import type { ServiceNames } from "./serviceNames";

/**
 * The files of a new service, copied from the pattern of the smallest services (notifications for
 * the shape, orders for a mutation that writes an event and a live update): path -> content.
 */
export function serviceFiles(names: ServiceNames, port: number): Record<string, string> {
  const { name } = names;
  const folder = `subgraphs/${name}`;
  return {
    [`prisma/${name}/schema.prisma`]: prismaSchema(names),
    [`prisma/${name}/prisma.config.ts`]: `// Prisma CLI configuration of the ${name} service (see ../migrateAdapter.ts).
import { serviceConfig } from "../migrateAdapter";

export default serviceConfig("${name}");
`,
    [`prisma/${name}/migrations/migration_lock.toml`]: 'provider = "postgresql"\n',
    [`${folder}/package.json`]: packageJson(names),
    [`${folder}/jest.config.js`]: 'module.exports = require("../../jest.base.js");\n',
    [`${folder}/tsconfig.json`]: `${JSON.stringify({ extends: "../../tsconfig.base.json", include: ["**/*.ts"], exclude: ["node_modules"] }, null, 2)}\n`,
    [`${folder}/tsconfig.build.json`]: `${JSON.stringify(
      {
        extends: "../../tsconfig.build.json",
        compilerOptions: { rootDir: "src", outDir: "dist" },
        include: ["src"],
        exclude: ["src/**/*.test.ts"],
      },
      null,
      2,
    )}\n`,
    [`${folder}/src/schema.graphql`]: schemaGraphql(names),
    [`${folder}/src/db.ts`]: dbTs(names),
    [`${folder}/src/context.ts`]: contextTs(names),
    [`${folder}/src/references.ts`]: `/** A User owned by accounts; ${name} knows only its id. */
export interface UserReference {
  __typename?: "User";
  id: string;
}
`,
    [`${folder}/src/roles.ts`]: `/** The roles this service grants more than ownership to (accounts' Role enum): staff may read anyone's data. */
export const STAFF_ROLES = ["STAFF", "ADMIN"] as const;
`,
    [`${folder}/src/permissions.ts`]: permissionsTs(names),
    [`${folder}/src/live.ts`]: liveTs(names),
    [`${folder}/src/resolvers/index.ts`]: resolversTs(names),
    [`${folder}/src/server.ts`]: serverTs(names),
    [`${folder}/src/config.ts`]: configTs(names, port),
    [`${folder}/src/main.ts`]: mainTs(names, port),
    [`${folder}/src/events/handlers.ts`]: handlersTs(names),
    [`${folder}/src/events/eventService.ts`]: `import { defineEventService } from "@fedplat/event-store";
import { create${names.Name}Prisma } from "../db";
import { create${names.Name}EventHandlers } from "./handlers";

/** How the workers host ${name}' events. */
export const eventService = defineEventService({
  createPrisma: create${names.Name}Prisma,
  createHandlers: (prisma, host) => create${names.Name}EventHandlers(prisma, host.live),
});
`,
    [`${folder}/src/index.ts`]: `export { type ${names.Name}Prisma, create${names.Name}Prisma } from "./db";
export { build${names.Name}Server, typeDefs } from "./server";
export { create${names.Name}EventHandlers } from "./events/handlers";
export { eventService } from "./events/eventService";
export { ${name}Sections } from "./config";
`,
    // What the workers load (workers/src/eventServices.ts): the event service without the GraphQL server.
    [`${folder}/src/workers.ts`]: 'export { eventService } from "./events/eventService";\n',
    [`${folder}/test/${name}.int.test.ts`]: serviceTest(names),
  };
}

function prismaSchema({ name, Singular, NAME }: ServiceNames): string {
  return `// The ${name} service's tables, in the PostgreSQL schema "${name}". Only the ${name} subgraph reads or writes them.
generator client {
  provider     = "prisma-client"
  output       = "../../subgraphs/${name}/src/generated/prisma"
  engineType   = "client"
  moduleFormat = "cjs"
}

datasource db {
  provider = "postgresql"
  url      = env("${NAME}_DATABASE_URL")
}

model ${Singular} {
  id        String   @id @default(uuid()) @db.Uuid
  /// accounts' User id: a reference across services, so no foreign key.
  ownerId   String   @map("owner_id") @db.Uuid
  title     String
  createdAt DateTime @default(now()) @map("created_at")

  @@index([ownerId, createdAt(sort: Desc), id(sort: Desc)])
  @@map("${name}")
}

// BEGIN event tables: copied from prisma/eventTables.prisma by \`npm run generate\`; edit that file, not this block
// END event tables
`;
}

function packageJson({ name }: ServiceNames): string {
  const manifest = {
    name: `@fedplat/${name}`,
    version: "0.1.0",
    private: true,
    description: `The ${name} subgraph`,
    license: "MIT",
    main: "src/index.ts",
    types: "src/index.ts",
    exports: {
      ".": { "fedplat-dist": "./dist/index.js", default: "./src/index.ts" },
      "./workers": { "fedplat-dist": "./dist/workers.js", default: "./src/workers.ts" },
    },
    scripts: {
      build: "tsc -p tsconfig.build.json",
      generate: `prisma generate --config ../../prisma/${name}/prisma.config.ts`,
      start: "tsx --import @fedplat/telemetry/register src/main.ts",
      typecheck: "tsc --noEmit -p .",
      test: "jest",
    },
    dependencies: {
      "@fedplat/auth": "*",
      "@fedplat/event-store": "*",
      "@fedplat/events": "*",
      "@fedplat/runtime": "*",
      "@fedplat/subgraph": "*",
      "@fedplat/telemetry": "*",
      "@prisma/client": "6.19.3",
      graphql: "16.15.0",
      "graphql-tag": "2.12.7",
    },
    devDependencies: { "@fedplat/devkit": "*" },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function schemaGraphql({ name, singular, Singular }: ServiceNames): string {
  return `extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable", "@composeDirective"])
  @link(url: "https://fedplat.dev/live/v1.0", import: ["@live"])
  @composeDirective(name: "@live")

scalar DateTime

"A ${singular} of a user; its owner and staff may read it."
type ${Singular} @key(fields: "id") {
  id: ID!
  title: String!
  "The user (accounts) who created it."
  owner: User!
  createdAt: DateTime!
}

type ${Singular}Edge {
  cursor: String!
  node: ${Singular}!
}

type ${Singular}Connection {
  edges: [${Singular}Edge!]!
  pageInfo: PageInfo!
  totalCount: Int!
}

type PageInfo @shareable {
  hasNextPage: Boolean!
  endCursor: String
}

type User @key(fields: "id") {
  id: ID!
  "Newest first."
  ${name}(first: Int = 10): [${Singular}!]!
}

input Create${Singular}Input {
  "1 to 200 characters."
  title: String!
}

type Query {
  "The viewer's ${name}, newest first (staff: everyone's)."
  ${name}(first: Int = 20, after: String): ${Singular}Connection!
  "One ${singular}: the viewer's, or any for staff; null when there is no such ${singular} to see."
  ${singular}(id: ID!): ${Singular}
}

type Mutation {
  "A new ${singular} of the viewer; announced as the event ${singular}.created."
  create${Singular}(input: Create${Singular}Input!): ${Singular}!
}

"Served by the gateway over graphql-ws from the live updates @live declares (docs/subscriptions.md)."
type Subscription {
  "Every ${singular} of the viewer created or changed from now on."
  ${singular}Changed: ${Singular}! @live(typename: "${Singular}", query: "${singular}")
}
`;
}

function dbTs({ name, Name }: ServiceNames): string {
  return `import { type PrismaClientSettings, prismaClientOptions, withSqlPool } from "@fedplat/event-store";
import { PrismaClient } from "./generated/prisma/client";

export type ${Name}Prisma = PrismaClient<"query">;

/** The ${name} service's one Prisma client, on the "${name}" PostgreSQL schema. */
export function create${Name}Prisma(url: string, settings?: PrismaClientSettings): ${Name}Prisma {
  const options = prismaClientOptions(url, "${name}", settings);
  return withSqlPool(new PrismaClient(options), options);
}
`;
}

function contextTs({ name, Name, singular }: ServiceNames): string {
  return `import type { LiveUpdatePublisher } from "@fedplat/events";
import { type BaseContext, createByIdLoader, createLimitedGroupLoader, newestIdsPerParent } from "@fedplat/subgraph";
import type { ${Name}Prisma } from "./db";

export interface ${Name}Context extends BaseContext {
  prisma: ${Name}Prisma;
  live: LiveUpdatePublisher;
  loaders: ReturnType<typeof createLoaders>;
}

function createLoaders(prisma: ${Name}Prisma) {
  return {
    ${singular}: createByIdLoader((ids) => prisma.${singular}.findMany({ where: { id: { in: ids } } })),
    ${name}OfUser: createLimitedGroupLoader(
      async (userIds, limit) => {
        const ids = await newestIdsPerParent(prisma, {
          table: '"${name}"."${name}"',
          parentColumn: "owner_id",
          parentIds: userIds,
          limit,
        });
        return prisma.${singular}.findMany({
          where: { id: { in: ids } },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        });
      },
      (${singular}) => ${singular}.ownerId,
    ),
  };
}

/** Per request: fresh loaders, so batching and caching never cross requests. */
export function contextFactory(prisma: ${Name}Prisma, live: LiveUpdatePublisher) {
  return (base: BaseContext): ${Name}Context => ({ ...base, prisma, live, loaders: createLoaders(prisma) });
}
`;
}

function permissionsTs({ name, singular, Singular }: ServiceNames): string {
  return `import { allow, isAuthenticated, ownedBy, type SubgraphRules } from "@fedplat/subgraph";
import type { ${Singular} } from "./generated/prisma/client";
import type { UserReference } from "./references";
import { STAFF_ROLES } from "./roles";

/** Deny by default (see withPermissions): every type and field of this subgraph has a rule here. */
export const permissions: SubgraphRules = {
  Query: { ${name}: isAuthenticated, ${singular}: isAuthenticated },
  Mutation: { create${Singular}: isAuthenticated },
  User: { id: allow, ${name}: ownedBy<UserReference>((user) => user.id, { orRoles: STAFF_ROLES }) },
  // The owner, or staff: the example rules to adapt.
  ${Singular}: ownedBy<${Singular}>((${singular}) => ${singular}.ownerId, { orRoles: STAFF_ROLES }),
  ${Singular}Connection: isAuthenticated,
  ${Singular}Edge: isAuthenticated,
  PageInfo: allow,
};
`;
}

function liveTs({ singular, Singular }: ServiceNames): string {
  return `import type { LiveUpdate } from "@fedplat/events";
import type { ${Singular} } from "./generated/prisma/client";

/** The live update of a committed change: subscribers of its owner (and staff) re-read it. */
export function ${singular}Update(row: Pick<${Singular}, "id" | "ownerId">): LiveUpdate {
  return { typename: "${Singular}", id: row.id, ownerId: row.ownerId };
}
`;
}

function resolversTs({ name, singular, Singular }: ServiceNames): string {
  return `import { randomUUID } from "node:crypto";
import { hasRole, requireViewer } from "@fedplat/auth";
import { writeOutbox } from "@fedplat/event-store";
import { createEvent } from "@fedplat/events";
import { badInput } from "@fedplat/runtime";
import { isUuid, pageSize, paginate, scalarResolvers } from "@fedplat/subgraph";
import type {
  MutationResolvers,
  QueryResolvers,
  Resolvers,
  ${Singular}Resolvers,
  UserResolvers,
} from "../generated/resolvers";
import { ${singular}Update } from "../live";
import { STAFF_ROLES } from "../roles";

const MAX_TITLE_LENGTH = 200;

// Who may read what: permissions.ts (the owner, or staff).
const ${Singular}: ${Singular}Resolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.${singular}.load(id),
  owner: (${singular}) => ({ id: ${singular}.ownerId }),
};

const Query: QueryResolvers = {
  ${name}: (_parent, { first, after }, context) => {
    const viewer = requireViewer(context);
    const where = hasRole(viewer, ...STAFF_ROLES) ? {} : { ownerId: viewer.id };
    return paginate(
      { first, after },
      (page) => context.prisma.${singular}.findMany({ ...page, where, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }),
      () => context.prisma.${singular}.count({ where }),
    );
  },
  // Another user's ${singular} reads as not found, so ids cannot be probed. The role comes first: a
  // staff answer never reads the viewer's id, so staff subscribers share executions (docs/subscriptions.md).
  ${singular}: async (_parent, { id }, context) => {
    const viewer = requireViewer(context);
    const found = isUuid(id) ? await context.loaders.${singular}.load(id) : null;
    return found && (hasRole(viewer, ...STAFF_ROLES) || found.ownerId === viewer.id) ? found : null;
  },
};

const Mutation: MutationResolvers = {
  create${Singular}: async (_parent, { input }, context) => {
    const viewer = requireViewer(context);
    const title = input.title.trim();
    if (title.length === 0 || title.length > MAX_TITLE_LENGTH)
      throw badInput(\`"title" must be 1 to \${MAX_TITLE_LENGTH} characters\`, "title");
    // The row and its ${singular}.created event commit together (transactional outbox).
    const created = await context.prisma.$transaction(async (tx) => {
      const row = await tx.${singular}.create({ data: { id: randomUUID(), ownerId: viewer.id, title } });
      await writeOutbox(tx, [
        createEvent("${singular}.created", { ${singular}Id: row.id, ownerId: row.ownerId, title }, { producer: "${name}" }),
      ]);
      return row;
    });
    // Only after the commit: a subscriber must never see a change that was rolled back.
    await context.live.publish(${singular}Update(created));
    return created;
  },
};

const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  ${name}: (user, { first }, context) =>
    context.loaders.${name}OfUser.load({ parentId: user.id, limit: pageSize(first, 10) }),
};

export const resolvers: Resolvers = { ...scalarResolvers, Query, Mutation, ${Singular}, User };
`;
}

function serverTs({ name, Name }: ServiceNames): string {
  return `import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type LiveUpdatePublisher, noLiveUpdates } from "@fedplat/events";
import { buildSubgraphServer, databaseCheck, type SubgraphDeps, type SubgraphServer } from "@fedplat/subgraph";
import gql from "graphql-tag";
import { contextFactory } from "./context";
import type { ${Name}Prisma } from "./db";
import { permissions } from "./permissions";
import { resolvers } from "./resolvers";

// From the package root, not __dirname: the same file whether this runs from src/ or from the compiled dist/.
export const typeDefs = gql(readFileSync(join(__dirname, "..", "src", "schema.graphql"), "utf8"));

export interface ${Name}ServerDeps extends SubgraphDeps<${Name}Prisma> {
  /** Where committed changes are announced to subscribers. @default noLiveUpdates */
  live?: LiveUpdatePublisher;
}

export function build${Name}Server({ live = noLiveUpdates, ...deps }: ${Name}ServerDeps): Promise<SubgraphServer> {
  return buildSubgraphServer({
    ...deps,
    name: "${name}",
    typeDefs,
    resolvers,
    permissions,
    context: contextFactory(deps.prisma, live),
    readiness: { database: databaseCheck(deps.prisma) },
  });
}
`;
}

function configTs({ name, Name }: ServiceNames, port: number): string {
  return `import { liveUpdatesSection } from "@fedplat/events";
import { loadConfig, redisSection } from "@fedplat/runtime";
import { subgraphSectionsOf } from "@fedplat/subgraph";

/** ${name}' sections beside the subgraph's: Redis for live updates. */
const ${name}OwnSections = { redis: redisSection, liveUpdates: liveUpdatesSection };

/** The ${name} process's configuration sections, for \`npm run config\`. */
export const ${name}Sections = { ...subgraphSectionsOf("${name}", ${port}), ...${name}OwnSections };

/** ${name}' own configuration. */
export const load${Name}Config = () => loadConfig(${name}OwnSections);
`;
}

function mainTs({ name, Name }: ServiceNames, port: number): string {
  return `import { createLiveUpdatePublisher, requireSigningKey } from "@fedplat/events";
import { createRedis } from "@fedplat/runtime";
import { runSubgraph } from "@fedplat/subgraph";
import { load${Name}Config } from "./config";
import { create${Name}Prisma } from "./db";
import { build${Name}Server } from "./server";

runSubgraph({
  name: "${name}",
  defaultPort: ${port},
  createPrisma: create${Name}Prisma,
  build: async (deps) => {
    requireSigningKey("${name}");
    const config = load${Name}Config();
    // Live updates are best effort (the change is committed either way): while Redis is down a
    // publish fails after one reconnection attempt instead of holding the mutation's response.
    const redis = createRedis(config.redis.url, "fedplat-${name}-live", { maxRetriesPerRequest: 1 });
    redis.on("error", (error) => deps.logger.debug({ err: error }, "live updates: redis connection error"));
    const live = createLiveUpdatePublisher(redis, config.liveUpdates.channel, (error) =>
      deps.logger.warn({ err: error }, "live update not published"),
    );
    const server = await build${Name}Server({ ...deps, live });
    return {
      ...server,
      close: async () => {
        await server.close();
        redis.disconnect();
      },
    };
  },
});
`;
}

function handlersTs({ name, Name, singular, Singular }: ServiceNames): string {
  return `import { randomUUID } from "node:crypto";
import { type EventHandlers, type EventStore, transactionalHandler } from "@fedplat/event-store";
import { type LiveUpdatePublisher, noLiveUpdates } from "@fedplat/events";
import type { ${Name}Prisma } from "../db";
import type { Prisma, ${Singular} } from "../generated/prisma/client";
import { ${singular}Update } from "../live";

/** What ${name} does with the events routed to it (packages/events/src/routing.ts). */
export function create${Name}EventHandlers(
  prisma: ${Name}Prisma,
  live: LiveUpdatePublisher = noLiveUpdates,
): EventHandlers {
  const store: EventStore<Prisma.TransactionClient> = {
    schema: "${name}",
    transaction: (fn) => prisma.$transaction(fn),
  };
  return {
    // The example consumer: each new user gets a first ${singular}, once however often the event is delivered.
    "user.registered": async (event, context) => {
      let created: ${Singular} | undefined;
      const outcome = await transactionalHandler("user.registered", store, async (tx, registered) => {
        created = await tx.${singular}.create({
          data: { id: randomUUID(), ownerId: registered.data.userId, title: "Welcome" },
        });
        return [];
      })(event, context);
      // Only after the commit: a subscriber must never see a change that was rolled back.
      if (outcome === "applied" && created) await live.publish(${singular}Update(created));
      return outcome;
    },
  };
}
`;
}

function serviceTest({ name, Name, singular, Singular }: ServiceNames): string {
  return `import { randomUUID } from "node:crypto";
import type { HandlerContext } from "@fedplat/event-store";
import { createEvent, type LiveUpdate } from "@fedplat/events";
import { startTestSubgraph, type TestSubgraph, type TestViewer } from "@fedplat/devkit";
import { build${Name}Server, create${Name}EventHandlers, create${Name}Prisma, type ${Name}Prisma } from "../src";

let subgraph: TestSubgraph<${Name}Prisma>;
let customer: TestViewer;
let staff: TestViewer;
const published: LiveUpdate[] = [];

beforeAll(async () => {
  subgraph = await startTestSubgraph({
    createPrisma: create${Name}Prisma,
    build: (deps) => build${Name}Server({ ...deps, live: { publish: async (...updates) => void published.push(...updates) } }),
  });
  customer = await subgraph.viewer("customer");
  staff = await subgraph.viewer("staff");
});
afterAll(() => subgraph?.stop());

const CREATE = /* GraphQL */ \`mutation($title: String!) { create${Singular}(input: { title: $title }) { id title } }\`;
const LIST = /* GraphQL */ \`query($first: Int, $after: String) { ${name}(first: $first, after: $after) { totalCount edges { cursor node { id title } } pageInfo { hasNextPage endCursor } } }\`;
type Created = { create${Singular}: { id: string; title: string } };
type List = {
  ${name}: {
    totalCount: number;
    edges: Array<{ cursor: string; node: { id: string; title: string } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

async function create(title: string, viewer: TestViewer = customer): Promise<string> {
  const res = await subgraph.request<Created>(CREATE, { title }, viewer.headers);
  expect(res.errors).toBeUndefined();
  return res.data?.create${Singular}.id ?? "";
}

describe("Mutation.create${Singular}", () => {
  it("creates a ${singular} of the viewer, writes ${singular}.created to the outbox and announces it live", async () => {
    const id = await create("first");
    const row = await subgraph.prisma.${singular}.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ ownerId: customer.id, title: "first" });
    const events = await subgraph.prisma.outboxEvent.findMany({ where: { type: "${singular}.created" } });
    expect(events.map((event) => (event.envelope as { data: { ${singular}Id: string } }).data.${singular}Id)).toContain(id);
    expect(published).toContainEqual({ typename: "${Singular}", id, ownerId: customer.id });
  });

  it("rejects an empty title with BAD_USER_INPUT", async () => {
    const res = await subgraph.request(CREATE, { title: "  " }, customer.headers);
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("requires a viewer", async () => {
    const res = await subgraph.request(CREATE, { title: "anonymous" }, {});
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("Query.${name}", () => {
  it("pages through the viewer's own ${name}, newest first", async () => {
    const ids = [await create("a"), await create("b"), await create("c")];
    await create("staff's own", staff);
    const first = await subgraph.request<List>(LIST, { first: 2 }, customer.headers);
    const page = first.data?.${name};
    expect(page?.edges.map((edge) => edge.node.title)).toEqual(["c", "b"]);
    expect(page?.pageInfo.hasNextPage).toBe(true);
    const next = await subgraph.request<List>(LIST, { first: 2, after: page?.pageInfo.endCursor }, customer.headers);
    expect(next.data?.${name}.edges[0]?.node.id).toBe(ids[0]);
    expect(page?.totalCount).toBe(await subgraph.prisma.${singular}.count({ where: { ownerId: customer.id } }));
  });

  it("shows staff everyone's", async () => {
    const res = await subgraph.request<List>(LIST, { first: 1 }, staff.headers);
    expect(res.data?.${name}.totalCount).toBe(await subgraph.prisma.${singular}.count());
  });
});

describe("Query.${singular} and User.${name}", () => {
  const ONE = /* GraphQL */ \`query($id: ID!) { ${singular}(id: $id) { id title } }\`;
  const OF_USER = /* GraphQL */ \`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { ${name}(first: 5) { id } } } }\`;

  it("shows a ${singular} to its owner and staff; to anyone else it reads as null", async () => {
    const id = await create("mine");
    const staffs = await create("staff's", staff);
    expect((await subgraph.request<{ ${singular}: unknown }>(ONE, { id }, customer.headers)).data?.${singular}).toEqual({ id, title: "mine" });
    expect((await subgraph.request<{ ${singular}: unknown }>(ONE, { id }, staff.headers)).data?.${singular}).toEqual({ id, title: "mine" });
    expect((await subgraph.request<{ ${singular}: unknown }>(ONE, { id: staffs }, customer.headers)).data?.${singular}).toBeNull();
  });

  it("forbids reading another user's ${name} through the User entity", async () => {
    const res = await subgraph.request(OF_USER, { r: [{ __typename: "User", id: staff.id }] }, customer.headers);
    expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

describe("the user.registered handler", () => {
  it("gives a new user a first ${singular}, once however often the event arrives", async () => {
    const handlers = create${Name}EventHandlers(subgraph.prisma);
    const userId = randomUUID();
    const event = createEvent(
      "user.registered",
      { userId, email: \`\${userId}@example.com\`, name: "New" },
      { producer: "accounts" },
    );
    const context: HandlerContext = { attempt: 1, isLastAttempt: false };
    expect(await handlers["user.registered"]?.(event, context)).toBe("applied");
    expect(await handlers["user.registered"]?.(event, context)).toBe("duplicate");
    expect(await subgraph.prisma.${singular}.count({ where: { ownerId: userId } })).toBe(1);
  });
});
`;
}
