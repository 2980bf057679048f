import { execFile, type SpawnSyncReturns, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { createTestDatabase, type TestDatabase } from "@fedplat/devkit";
import { copyRepo, type RepoCopy } from "../fixtures/repoCopy";

/**
 * Issue 22, item 1: `npm run new:service -- <name>` in a copy of this repository (git's files,
 * the generated ones, node_modules linked: tests/fixtures/repoCopy.ts). Bad names and a failure half-way leave the copy
 * exactly as it was; a good name gives a service that typechecks, passes its own tests and is
 * served by the whole platform: its fields through the gateway joined with accounts, its
 * mutation, and its subscription delivering what the mutation created, and the event it
 * consumes arriving through the workers.
 */
jest.setTimeout(600_000);

const NAME = "tickets";
let copy: string;
/** The shared test template plus the new service's migration: the copy's tests clone it. */
let template: TestDatabase | undefined;

/** Every file of the copy (outside node_modules) with its hash, and the workspace links: what "nothing written" compares. */
function snapshot(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      // node_modules: links into the checkout (see repoCopy), compared below through the workspace links only.
      if (entry.name === "node_modules" || entry.name === ".turbo") continue;
      if (entry.isDirectory()) walk(path);
      else files[relative(root, path)] = createHash("sha1").update(readFileSync(path)).digest("hex");
    }
  };
  walk(root);
  for (const link of readdirSync(join(root, "node_modules/@fedplat"))) files[`node_modules/@fedplat/${link}`] = "link";
  return files;
}

/**
 * This process's environment for the copy, without the test signing keys jest's setup derived
 * from this repository's registry: the copy's own setup derives them from its registry, with the
 * new producer.
 */
function copyEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { EVENT_SIGNING_KEYS: _ours, ...rest } = process.env;
  return { ...rest, ...env, FORCE_COLOR: "0" };
}

function inCopy(command: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = copy): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: "utf8", env: copyEnv(env), maxBuffer: 64 * 1024 * 1024 });
}
const newService = (name: string, env: NodeJS.ProcessEnv = {}) =>
  inCopy(process.execPath, ["--import", "tsx", "tools/src/newService/cli.ts", name], env);
/** The same, several at once (each refusal costs a process start). */
const newServiceAsync = (name: string) =>
  new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "tools/src/newService/cli.ts", name],
      { cwd: copy, env: copyEnv() },
      (error, _stdout, stderr) => {
        const status = error ? (error as { code?: unknown }).code : 0;
        if (typeof status === "number") resolve({ status, stderr });
        else reject(error);
      },
    );
  });
const succeeded = (result: SpawnSyncReturns<string>) => {
  if (result.status !== 0) throw new Error(`exit ${result.status ?? result.signal}:\n${result.stdout}${result.stderr}`);
};

let repoCopy: RepoCopy | undefined;
beforeAll(() => {
  repoCopy = copyRepo();
  copy = repoCopy.dir;
});
afterAll(async () => {
  await template?.drop();
  repoCopy?.remove();
});

describe("npm run new:service", () => {
  it("refuses a name that is no identifier, reserved or taken with exit 2 and a reason, writing nothing", async () => {
    const before = snapshot(copy);
    const cases: Array<[string, string]> = [
      ["Tickets", '"Tickets" is not a service name'],
      ["ticket-items", '"ticket-items" is not a service name'],
      ["users", '"users" is reserved'],
      ["gateway", '"gateway" is reserved'],
      ["orders", '"orders" is taken: services.json already has a service of that name'],
      ["ticket", '"ticket" is not a plural'],
    ];
    const results = await Promise.all(cases.map(([name]) => newServiceAsync(name)));
    expect(results.map((result) => result.status)).toEqual(cases.map(() => 2));
    results.forEach((result, index) => {
      expect(result.stderr).toContain(cases[index]?.[1]);
      expect(result.stderr).toContain("usage: npm run new:service -- <name>");
    });
    expect(snapshot(copy)).toEqual(before);
  });

  it("leaves the tree as it was when a step fails half-way (here the first migration, with no database)", () => {
    const before = snapshot(copy);
    const result = newService(NAME, { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/unreachable" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("new:service failed; every file is as it was");
    expect(result.stderr).toContain("first migration failed");
    expect(snapshot(copy)).toEqual(before);
  });

  it("adds a service that typechecks, passes its own tests, and is served through the gateway with its subscription", async () => {
    template = await createTestDatabase();
    const started = Date.now();
    succeeded(newService(NAME, { DATABASE_URL: template.url }));
    const generatedIn = Date.now() - started;
    expect(JSON.parse(readFileSync(join(copy, "services.json"), "utf8")).services).toContainEqual(
      expect.objectContaining({ name: NAME, port: 4006, consumesEvents: true, produces: ["ticket.created"] }),
    );
    for (const registered of [
      "supergraph.yaml",
      "codegen.yml",
      "infra/k8s/base/kustomization.yaml",
      "infra/k8s/base/migrate.yaml",
      "infra/docker-compose.yml",
      "infra/prometheus/prometheus.yml",
    ])
      expect([registered, readFileSync(join(copy, registered), "utf8").includes(NAME)]).toEqual([registered, true]);
    expect(readFileSync(join(copy, "supergraph.graphql"), "utf8")).toMatch(/ticketChanged: Ticket!/);
    expect(readFileSync(join(copy, "packages/events/src/routing.ts"), "utf8")).toMatch(
      /"user\.registered": \[[^\]]*"tickets"\]/,
    );

    // One program over the new service and every file the generator edited that has types.
    writeFileSync(
      join(copy, "tsconfig.newService.json"),
      JSON.stringify({
        extends: "./tsconfig.base.json",
        include: [
          `subgraphs/${NAME}/**/*.ts`,
          "packages/events/test/contracts.test.ts",
          "tools/src/config/processSections.ts",
          "tests/contracts/subgraphContracts.int.test.ts",
          "tests/e2e/rbac.e2e.test.ts",
        ],
        exclude: ["**/node_modules"],
      }),
    );
    succeeded(
      inCopy(process.execPath, ["node_modules/typescript/bin/tsc", "--noEmit", "-p", "tsconfig.newService.json"]),
    );

    // The copy's tests clone a template that has the new schema.
    const testEnv = { DATABASE_URL: template.url, TEST_DATABASE_TEMPLATE: template.name };
    succeeded(
      inCopy(
        process.execPath,
        ["node_modules/prisma/build/index.js", "migrate", "deploy", "--config", `prisma/${NAME}/prisma.config.ts`],
        { [`${NAME.toUpperCase()}_DATABASE_URL`]: template.url },
      ),
    );
    const jest = join(copy, "node_modules/jest/bin/jest.js");
    succeeded(inCopy(process.execPath, [jest, "--ci"], testEnv, join(copy, "subgraphs", NAME)));

    writeFileSync(join(copy, "tests/e2e/newService.e2e.test.ts"), PLATFORM_CHECK);
    succeeded(inCopy(process.execPath, [jest, "--ci", "e2e/newService.e2e.test.ts"], testEnv, join(copy, "tests")));
    // The generator alone (its share of this test), for bench/results and the report.
    process.stdout.write(`new:service ${NAME}: generated in ${(generatedIn / 1000).toFixed(1)} s\n`);
  });
});

/** Run inside the copy by its own jest, with its registry: the whole platform, the new service included. */
const PLATFORM_CHECK = `import { waitFor } from "@fedplat/devkit";
import { type Platform, startPlatform, subscriptionClient, type TestSubscriptionClient } from "../fixtures";

jest.setTimeout(180_000);
let platform: Platform;
let client: TestSubscriptionClient | undefined;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(async () => {
  await client?.dispose();
  await platform?.stop();
});

async function activeSubscriptions(): Promise<number> {
  const text = await (await fetch(platform.gatewayUrl.replace(/\\/graphql$/, "/metrics"))).text();
  return Number(/^gateway_subscriptions_active(?:\\{[^}]*\\})? (\\S+)$/m.exec(text)?.[1] ?? 0);
}

it("creates a ticket through the gateway, delivers it to the owner's subscription and lists it joined with accounts", async () => {
  const customer = await platform.login("customer@example.com");
  client = subscriptionClient(platform.gatewayUrl, customer);
  const changes = client.watch<{ ticketChanged: { id: string; title: string; owner: { email: string } } }>(
    /* GraphQL */ "subscription { ticketChanged { id title owner { email } } }",
  );
  await waitFor("the subscription", async () => (await activeSubscriptions()) >= 1);
  const created = await platform.query<{ createTicket: { id: string } }>(
    /* GraphQL */ 'mutation { createTicket(input: { title: "first ticket" }) { id } }',
    {},
    customer,
  );
  expect(created.errors).toBeUndefined();
  const id = created.data?.createTicket.id;
  const event = await changes.next((e) => e.data?.ticketChanged.id === id, 30_000);
  expect(event.data?.ticketChanged).toEqual({ id, title: "first ticket", owner: { email: "customer@example.com" } });

  const listed = await platform.query<{
    tickets: { totalCount: number; edges: Array<{ node: { id: string; owner: { email: string; name: string } } }> };
    me: { tickets: Array<{ id: string }> };
  }>(
    /* GraphQL */ "{ tickets(first: 5) { totalCount edges { node { id owner { email name } } } } me { tickets(first: 5) { id } } }",
    {},
    customer,
  );
  expect(listed.errors).toBeUndefined();
  expect(listed.data?.tickets.edges[0]?.node).toEqual({
    id,
    owner: { email: "customer@example.com", name: "Casey Customer" },
  });
  expect(listed.data?.me.tickets.map((ticket) => ticket.id)).toContain(id);

  const anonymous = await platform.query(/* GraphQL */ "{ tickets(first: 1) { totalCount } }");
  expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
});

it("gives a user who registers a first ticket: user.registered reaches tickets through the workers", async () => {
  const email = \`new-\${Date.now()}@example.com\`;
  const registered = await platform.query(
    /* GraphQL */ 'mutation($e: String!) { register(input: { email: $e, password: "s3cretpass", name: "New" }) { email } }',
    { e: email },
  );
  expect(registered.errors).toBeUndefined();
  const user = await platform.login(email, "s3cretpass");
  const titles = async () =>
    (await platform.query<{ me: { tickets: Array<{ title: string }> } }>(
      /* GraphQL */ "{ me { tickets(first: 5) { title } } }",
      {},
      user,
    )).data?.me.tickets.map((ticket) => ticket.title);
  await waitFor("the welcome ticket", async () => (await titles())?.length === 1, 30_000);
  expect(await titles()).toEqual(["Welcome"]);
});
`;
