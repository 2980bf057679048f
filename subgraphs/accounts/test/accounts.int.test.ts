import { createHash, randomUUID } from "node:crypto";
import {
  gatewayHeaders,
  startTestSubgraph,
  TEST_ORDERS_SERVICE_KEY,
  TEST_JWT_SECRET,
  TEST_PII_KEYS,
  type TestSubgraph,
} from "@fedplat/devkit";
import { createFieldCipher } from "@fedplat/runtime";
import { IDENTITY_HEADER, signCallerIdentity, verifyAccessToken, type Viewer } from "@fedplat/auth";
import { type AccountsPrisma, buildAccountsServer, createAccountsPrisma } from "../src";
import { type Envelope, openPersonalData, parseEnvelope } from "@fedplat/events";

// Registrations and logins hash with argon2id at production cost (64 MiB, 3 passes): the dozen in
// one throttling case take seconds each while turbo runs every package's suite at once.
jest.setTimeout(120_000);

let subgraph: TestSubgraph<AccountsPrisma>;

beforeAll(async () => {
  subgraph = await startTestSubgraph({
    createPrisma: createAccountsPrisma,
    build: (deps) =>
      buildAccountsServer({ ...deps, jwtSecret: TEST_JWT_SECRET, cipher: createFieldCipher(TEST_PII_KEYS, "test1") }),
  });
});
afterAll(() => subgraph?.stop());

const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterInput!) {
    register(input: $input) { email message }
  }
`;
const LOGIN = /* GraphQL */ `
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) { accessToken refreshToken user { id email role } }
  }
`;
const REFRESH = /* GraphQL */ `
  mutation Refresh($token: String!) { refreshToken(token: $token) { accessToken refreshToken } }
`;

type Registration = { email: string; message: string };
type AuthData = { accessToken: string; refreshToken: string; user: { id: string; email: string; role: string } };

describe("register and login", () => {
  it("registers a customer with a normalised email, who then logs in with working tokens", async () => {
    const res = await subgraph.request<{ register: Registration }>(REGISTER, {
      input: { email: "  New.Person@Example.COM ", password: "s3cretpass", name: "New Person" },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.register.email).toBe("new.person@example.com");
    const login = await subgraph.request<{ login: AuthData }>(LOGIN, {
      email: "new.person@example.com",
      password: "s3cretpass",
    });
    expect(login.data?.login.user).toMatchObject({ email: "new.person@example.com", role: "CUSTOMER" });
    const viewer = await verifyAccessToken(login.data?.login.accessToken ?? "", TEST_JWT_SECRET);
    expect(viewer).toEqual({
      id: login.data?.login.user.id,
      roles: ["CUSTOMER"],
      scopes: [],
      kind: "user",
      tokenVersion: 0,
    });

    const me = await subgraph.request<{ me: { email: string } }>(
      /* GraphQL */ "{ me { email } }",
      {},
      await gatewayHeaders(viewer, "accounts"),
    );
    expect(me.data?.me.email).toBe("new.person@example.com");
  });

  it("stores an argon2id hash, never the password", async () => {
    const user = await subgraph.prisma.user.findUniqueOrThrow({ where: { email: "new.person@example.com" } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(user.passwordHash).not.toContain("s3cretpass");
  });

  it.each([
    [{ email: "not-an-email", password: "s3cretpass", name: "X" }, "email"],
    [{ email: "weak@example.com", password: "short1", name: "X" }, "password"],
    [{ email: "weak@example.com", password: "nodigitshere", name: "X" }, "password"],
    [{ email: "weak@example.com", password: "s3cretpass", name: "   " }, "name"],
  ])("rejects invalid input %j with BAD_USER_INPUT on %s", async (input, field) => {
    const res = await subgraph.request(REGISTER, { input });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(await subgraph.prisma.user.count({ where: { email: input.email } })).toBe(0);
  });

  it("answers a taken email exactly like a new one, keeps the account as it was, and tells its owner (user.registration_attempted)", async () => {
    const owner = await subgraph.prisma.user.findUniqueOrThrow({ where: { email: "customer@example.com" } });
    const taken = await subgraph.request<{ register: Registration }>(REGISTER, {
      input: { email: "Customer@example.com", password: "s3cretpass9", name: "Dup" },
    });
    const fresh = await subgraph.request<{ register: Registration }>(REGISTER, {
      input: { email: "fresh@example.com", password: "s3cretpass9", name: "Fresh" },
    });
    expect(taken.errors).toBeUndefined();
    expect(taken.data?.register.message).toBe(fresh.data?.register.message);
    expect(Object.keys(taken.data?.register ?? {})).toEqual(Object.keys(fresh.data?.register ?? {}));
    expect(await subgraph.prisma.user.findUniqueOrThrow({ where: { email: "customer@example.com" } })).toEqual(owner);
    const attempts = await subgraph.prisma.outboxEvent.findMany({ where: { type: "user.registration_attempted" } });
    expect(attempts.map((event) => event.envelope)).toEqual([
      expect.objectContaining({
        type: "user.registration_attempted",
        producer: "accounts",
        data: { userId: owner.id, at: expect.any(String) },
      }),
    ]);
  });

  it("logs in a seeded demo account and records user.authenticated in the outbox, in the same request", async () => {
    const res = await subgraph.request<{ login: AuthData }>(LOGIN, {
      email: "Admin@Example.com",
      password: "Passw0rd!",
    });
    expect(res.data?.login.user).toMatchObject({ email: "admin@example.com", role: "ADMIN" });
    const user = await subgraph.prisma.user.findUniqueOrThrow({ where: { email: "admin@example.com" } });
    const events = await subgraph.prisma.outboxEvent.findMany({ where: { type: "user.authenticated" } });
    expect(events.map((event) => (event.envelope as { data: { userId: string } }).data.userId)).toContain(user.id);
  });

  it("writes user.registered in the same transaction as the account", async () => {
    await subgraph.request(REGISTER, {
      input: { email: "outbox@example.com", password: "s3cretpass", name: "Out Box" },
    });
    const user = await subgraph.prisma.user.findUniqueOrThrow({ where: { email: "outbox@example.com" } });
    const events = await subgraph.prisma.outboxEvent.findMany({ where: { type: "user.registered" } });
    const event = events.find((e) => (e.envelope as { data: { userId: string } }).data.userId === user.id);
    expect(event?.envelope).toMatchObject({
      type: "user.registered",
      version: 1,
      producer: "accounts",
      data: {
        userId: user.id,
        email: expect.stringMatching(/^v1\.evp-1\./),
        name: expect.stringMatching(/^v1\.evp-1\./),
      },
    });
    expect(event?.publishedAt).toBeNull();
    // Sealed in the outbox row; only a consumer holding EVENT_PII_KEYS opens it.
    expect(JSON.stringify(event?.envelope)).not.toMatch(/outbox@example\.com|Out Box/);
    expect(openPersonalData(parseEnvelope(event?.envelope) as Envelope<"user.registered">)).toEqual({
      userId: user.id,
      email: "outbox@example.com",
      name: "Out Box",
    });
  });

  it("answers a wrong password and an unknown email with the same UNAUTHENTICATED error", async () => {
    const wrong = await subgraph.request(LOGIN, { email: "admin@example.com", password: "nope" });
    const unknown = await subgraph.request(LOGIN, { email: "nobody@example.com", password: "nope" });
    expect(wrong.errors?.[0]).toMatchObject({
      message: "Invalid email or password",
      extensions: { code: "UNAUTHENTICATED" },
    });
    expect(unknown.errors?.[0]).toMatchObject({
      message: "Invalid email or password",
      extensions: { code: "UNAUTHENTICATED" },
    });
  });
});

describe("failed logins are throttled per email (5 failures, then a lock of 30 s that doubles)", () => {
  const login = (email: string, password: string) => subgraph.request<{ login: AuthData }>(LOGIN, { email, password });
  const codeOf = (res: { errors?: Array<{ extensions?: Record<string, unknown> }> }) =>
    res.errors?.[0]?.extensions?.code ?? "OK";
  const register = (email: string) =>
    subgraph.request(REGISTER, { input: { email, password: "R1ght-pass", name: "Locked" } });

  it("locks an email after 5 failures: the right password is then refused with ACCOUNT_LOCKED and a retry-after hint", async () => {
    await register("lock.me@example.com");
    for (let i = 0; i < 5; i++)
      expect(codeOf(await login("lock.me@example.com", `wrong-${i}`))).toBe("UNAUTHENTICATED");
    const locked = await login("LOCK.me@example.com ", "R1ght-pass");
    expect(locked.errors?.[0]).toMatchObject({
      message: expect.stringContaining("Too many failed logins"),
      extensions: { code: "ACCOUNT_LOCKED", retryAfter: expect.any(Number) },
    });
    expect(locked.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(20);
    expect(locked.errors?.[0]?.extensions?.retryAfter).toBeLessThanOrEqual(30);
  });

  it("throttles an email without an account the same way, so the lock does not tell which emails exist", async () => {
    await register("exists@example.com");
    const answers = async (email: string) => {
      const codes: unknown[] = [];
      for (let i = 0; i < 6; i++) codes.push(codeOf(await login(email, `wrong-${i}`)));
      return codes;
    };
    const expected = [
      "UNAUTHENTICATED",
      "UNAUTHENTICATED",
      "UNAUTHENTICATED",
      "UNAUTHENTICATED",
      "UNAUTHENTICATED",
      "ACCOUNT_LOCKED",
    ];
    expect(await answers("exists@example.com")).toEqual(expected);
    expect(await answers("ghost@example.com")).toEqual(expected);
  });

  it("spends at most 5 password checks on a burst of concurrent guesses: the rest are ACCOUNT_LOCKED before hashing", async () => {
    await register("burst@example.com");
    const codes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => login("burst@example.com", `wrong-${i}`).then(codeOf)),
    );
    expect(codes.filter((code) => code === "UNAUTHENTICATED")).toHaveLength(5);
    expect(codes.filter((code) => code === "ACCOUNT_LOCKED")).toHaveLength(7);
  });

  it("forgets the failures on a successful login", async () => {
    await register("reset@example.com");
    for (let i = 0; i < 4; i++) expect(codeOf(await login("reset@example.com", "wrong-1"))).toBe("UNAUTHENTICATED");
    expect(codeOf(await login("reset@example.com", "R1ght-pass"))).toBe("OK");
    for (let i = 0; i < 4; i++) expect(codeOf(await login("reset@example.com", "wrong-2"))).toBe("UNAUTHENTICATED");
    expect(codeOf(await login("reset@example.com", "R1ght-pass"))).toBe("OK");
    expect(
      await subgraph.prisma.loginThrottle.count({
        where: { emailHash: createHash("sha256").update("reset@example.com").digest("hex") },
      }),
    ).toBe(0);
  });
});

describe("refresh tokens", () => {
  it("rotates: a refresh token works once, and reusing it revokes the whole family", async () => {
    const login = await subgraph.request<{ login: AuthData }>(LOGIN, {
      email: "staff@example.com",
      password: "Passw0rd!",
    });
    const first = login.data?.login.refreshToken ?? "";
    const rotated = await subgraph.request<{ refreshToken: AuthData }>(REFRESH, { token: first });
    const second = rotated.data?.refreshToken.refreshToken ?? "";
    expect(second).not.toBe(first);

    const reuse = await subgraph.request(REFRESH, { token: first });
    expect(reuse.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    // The reuse looked like theft: the token issued by the rotation is revoked too.
    const afterTheft = await subgraph.request(REFRESH, { token: second });
    expect(afterTheft.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("stores only a hash of each refresh token", async () => {
    const login = await subgraph.request<{ login: AuthData }>(LOGIN, {
      email: "customer@example.com",
      password: "Passw0rd!",
    });
    const token = login.data?.login.refreshToken ?? "";
    expect(await subgraph.prisma.refreshToken.count({ where: { tokenHash: token } })).toBe(0);
    expect(
      await subgraph.prisma.refreshToken.count({
        where: { tokenHash: { not: token }, user: { email: "customer@example.com" } },
      }),
    ).toBeGreaterThan(0);
  });

  it("logout revokes every refresh token of the user", async () => {
    const login = await subgraph.request<{ login: AuthData }>(LOGIN, {
      email: "customer@example.com",
      password: "Passw0rd!",
    });
    const { accessToken, refreshToken } = login.data?.login ?? { accessToken: "", refreshToken: "" };
    const logout = await subgraph.request<{ logout: boolean }>(
      /* GraphQL */ "mutation { logout }",
      {},
      await gatewayHeaders(await verifyAccessToken(accessToken, TEST_JWT_SECRET), "accounts"),
    );
    expect(logout.data?.logout).toBe(true);
    const refresh = await subgraph.request(REFRESH, { token: refreshToken });
    expect(refresh.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("reading users", () => {
  it("returns null for me when anonymous", async () => {
    const res = await subgraph.request<{ me: null }>(/* GraphQL */ "{ me { id } }");
    expect(res.data?.me).toBeNull();
  });

  it("rejects requests that do not come from the gateway: none, forged or unsigned identity", async () => {
    const unsigned =
      Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url") +
      "." +
      Buffer.from(
        JSON.stringify({ sub: "x", role: "ADMIN", kind: "user", iss: "fedplat-gateway", aud: "fedplat-subgraphs" }),
      ).toString("base64url") +
      ".";
    const attempts: Array<Record<string, string>> = [
      {},
      { "x-fedplat-identity": unsigned },
      { "x-fedplat-identity": "garbage" },
      { authorization: "Bearer whatever", "x-user-id": "admin" },
    ];
    for (const headers of attempts) {
      for (const query of [
        /* GraphQL */ "{ me { id } }",
        /* GraphQL */ "{ _service { sdl } }",
        '{ _entities(representations: [{ __typename: "User", id: "x" }]) { __typename } }',
      ]) {
        const res = await subgraph.rawRequest(query, {}, headers);
        expect(res.status).toBe(401);
        expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
        expect(res.data).toBeUndefined();
      }
    }
  });

  it("hides another user's details from a customer, field by field (FORBIDDEN)", async () => {
    const customer = await subgraph.viewer("customer");
    const admin = await subgraph.viewer("admin");
    const res = await subgraph.request<{ user: null }>(
      /* GraphQL */ "query($id: ID!) { user(id: $id) { email } }",
      { id: admin.id },
      customer.headers,
    );
    expect(res.errors?.[0]).toMatchObject({ message: "Not allowed", extensions: { code: "FORBIDDEN" } });
    expect(res.data?.user).toBeNull();
    const own = await subgraph.request<{ user: { email: string } }>(
      /* GraphQL */ "query($id: ID!) { user(id: $id) { email } }",
      { id: customer.id },
      customer.headers,
    );
    expect(own.data?.user.email).toBe("customer@example.com");
  });

  it("lets staff page through all users with Relay cursors", async () => {
    const staff = await subgraph.viewer("staff");
    const PAGE = /* GraphQL */ `query Users($after: String) { users(first: 20, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { email } } } }`;
    type Page = {
      users: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        edges: Array<{ cursor: string; node: { email: string } }>;
      };
    };
    const emails: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (let i = 0; i < 10; i++) {
      const res: Awaited<ReturnType<typeof subgraph.request<Page>>> = await subgraph.request<Page>(
        PAGE,
        { after },
        staff.headers,
      );
      const page = res.data?.users;
      if (!page) throw new Error(JSON.stringify(res.errors));
      total = page.totalCount;
      emails.push(...page.edges.map((edge) => edge.node.email));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(total).toBeGreaterThanOrEqual(50);
    expect(emails).toHaveLength(total);
    expect(new Set(emails).size).toBe(total);
  });

  it("forbids customers from listing users", async () => {
    const customer = await subgraph.viewer("customer");
    const res = await subgraph.request(/* GraphQL */ "{ users { totalCount } }", {}, customer.headers);
    expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("rejects a malformed cursor and an out-of-range page size with BAD_USER_INPUT", async () => {
    const admin = await subgraph.viewer("admin");
    const cursor = await subgraph.request('{ users(after: "garbage") { totalCount } }', {}, admin.headers);
    const size = await subgraph.request(/* GraphQL */ "{ users(first: 1000) { totalCount } }", {}, admin.headers);
    expect(cursor.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(size.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("resolves many User references with one SQL statement", async () => {
    const ids = (await subgraph.prisma.user.findMany({ take: 30, select: { id: true } })).map((u) => u.id);
    const before = subgraph.statements();
    const res = await subgraph.request<{ _entities: Array<{ email: string } | null> }>(
      /* GraphQL */ "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { email } } }",
      { r: [...ids, "not-a-uuid", "00000000-0000-4000-8000-000000000000"].map((id) => ({ __typename: "User", id })) },
      (await subgraph.viewer("staff")).headers,
    );
    expect(res.data?._entities).toHaveLength(32);
    expect(res.data?._entities.slice(0, 30).every((u) => u?.email)).toBe(true);
    expect(res.data?._entities.slice(30)).toEqual([null, null]);
    expect(subgraph.statements() - before).toBe(1);
  });
});

describe("profile with encrypted personal data", () => {
  const UPDATE =
    /* GraphQL */ "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { id name phone address } }";

  it("stores phone and address encrypted, and shows them to the user and to staff only", async () => {
    const customer = await subgraph.viewer("customer");
    const res = await subgraph.request<{ updateProfile: { phone: string; address: string } }>(
      UPDATE,
      { input: { phone: "+1 555 0100", address: "1 Infinite Loop" } },
      customer.headers,
    );
    expect(res.data?.updateProfile).toMatchObject({ phone: "+1 555 0100", address: "1 Infinite Loop" });

    const row = await subgraph.prisma.user.findUniqueOrThrow({ where: { id: customer.id } });
    expect(row.phoneEncrypted).toMatch(/^v1\.test1\./);
    expect(JSON.stringify(row)).not.toContain("555 0100");
    expect(JSON.stringify(row)).not.toContain("Infinite Loop");

    const staff = await subgraph.viewer("staff");
    const asStaff = await subgraph.request<{ user: { phone: string } }>(
      /* GraphQL */ "query($id: ID!) { user(id: $id) { phone } }",
      { id: customer.id },
      staff.headers,
    );
    expect(asStaff.data?.user.phone).toBe("+1 555 0100");
    const other = await subgraph.viewer({ id: "22222222-2222-4222-8222-222222222222", role: "CUSTOMER" });
    const asOther = await subgraph.request(
      /* GraphQL */ "query($id: ID!) { user(id: $id) { phone } }",
      { id: customer.id },
      other.headers,
    );
    expect(asOther.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("rejects oversized values and clears a field with null", async () => {
    const customer = await subgraph.viewer("customer");
    const big = await subgraph.request(UPDATE, { input: { address: "x".repeat(201) } }, customer.headers);
    expect(big.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "address" });
    const cleared = await subgraph.request<{ updateProfile: { phone: null } }>(
      UPDATE,
      { input: { phone: null } },
      customer.headers,
    );
    expect(cleared.data?.updateProfile.phone).toBeNull();
  });
});

describe("administration", () => {
  it("lets an admin change a role, and nobody else", async () => {
    const target = await subgraph.prisma.user.create({
      data: { email: "promote-me@example.com", name: "P", passwordHash: "x" },
    });
    const SET = /* GraphQL */ "mutation($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { id role } }";
    for (const account of ["customer", "staff"] as const) {
      const res = await subgraph.request(
        SET,
        { id: target.id, role: "ADMIN" },
        (await subgraph.viewer(account)).headers,
      );
      expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
    const anonymous = await subgraph.request(SET, { id: target.id, role: "ADMIN" });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const admin = await subgraph.request<{ setUserRole: { role: string } }>(
      SET,
      { id: target.id, role: "STAFF" },
      (await subgraph.viewer("admin")).headers,
    );
    expect(admin.data?.setUserRole.role).toBe("STAFF");
    expect((await subgraph.prisma.user.findUniqueOrThrow({ where: { id: target.id } })).role).toBe("STAFF");
  });

  it("issues API keys shown once and stored hashed; the gateway resolves them until revoked or expired", async () => {
    const admin = await subgraph.viewer("admin");
    const CREATE =
      /* GraphQL */ "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id name role prefix revokedAt } } }";
    const created = await subgraph.request<{
      createApiKey: { key: string; apiKey: { id: string; role: string; prefix: string } };
    }>(
      CREATE,
      { input: { name: "reporting", role: "STAFF", expiresAt: new Date(Date.now() + 86_400_000).toISOString() } },
      admin.headers,
    );
    const { key, apiKey } = created.data?.createApiKey ?? { key: "", apiKey: { id: "", role: "", prefix: "" } };
    expect(key).toMatch(/^fpk_[\w-]{43}$/);
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    const row = await subgraph.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(row.keyHash).not.toContain(key);
    expect(JSON.stringify(row)).not.toContain(key.slice(10));

    const PRINCIPAL = /* GraphQL */ "query($key: String!) { apiKeyPrincipal(key: $key) { id role } }";
    const gateway = await subgraph.request<{ apiKeyPrincipal: { id: string; role: string } | null }>(PRINCIPAL, {
      key,
    });
    expect(gateway.data?.apiKeyPrincipal).toEqual({ id: apiKey.id, role: "STAFF" });
    const wrong = await subgraph.request<{ apiKeyPrincipal: null }>(PRINCIPAL, { key: `${key}x` });
    expect(wrong.data?.apiKeyPrincipal).toBeNull();

    const revoked = await subgraph.request<{ revokeApiKey: { revokedAt: string } }>(
      /* GraphQL */ "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }",
      { id: apiKey.id },
      admin.headers,
    );
    expect(revoked.data?.revokeApiKey.revokedAt).toBeTruthy();
    const after = await subgraph.request<{ apiKeyPrincipal: null }>(PRINCIPAL, { key });
    expect(after.data?.apiKeyPrincipal).toBeNull();

    const expired = await subgraph.request(
      CREATE,
      { input: { name: "old", role: "STAFF", expiresAt: "2020-01-01T00:00:00Z" } },
      admin.headers,
    );
    expect(expired.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("keeps API key administration to admins, and the key look-up to the gateway", async () => {
    const staff = await subgraph.viewer("staff");
    const list = await subgraph.request(/* GraphQL */ "{ apiKeys { id } }", {}, staff.headers);
    expect(list.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const create = await subgraph.request(
      'mutation { createApiKey(input: { name: "x", role: ADMIN }) { key } }',
      {},
      staff.headers,
    );
    expect(create.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const asService = await subgraph.rawRequest(
      '{ apiKeyPrincipal(key: "fpk_x") { id } }',
      {},
      {
        [IDENTITY_HEADER]: await signCallerIdentity(
          { caller: { kind: "service", name: "orders" }, viewer: null },
          TEST_ORDERS_SERVICE_KEY,
          "accounts",
        ),
      },
    );
    expect(asService.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("records every role change and API key created or revoked, success or failure, in an audit log only admins can read", async () => {
    const admin = await subgraph.viewer("admin");
    /** An admin acting through an API key (the gateway signs kind "apiKey" into the identity). */
    const parentKey = await subgraph.prisma.apiKey.create({
      data: {
        name: "parent",
        role: "ADMIN",
        keyHash: randomUUID(),
        prefix: "fpk_parent",
        createdById: admin.id,
        expiresAt: new Date(Date.now() + 86_400_000),
      },
    });
    const adminKey: Viewer = { id: parentKey.id, roles: ["ADMIN"], scopes: [], kind: "apiKey" };
    const target = await subgraph.prisma.user.create({
      data: { email: `audited-${randomUUID()}@example.com`, name: "A", passwordHash: "x" },
    });
    const started = Date.now();
    await subgraph.request(
      /* GraphQL */ "mutation($id: ID!) { setUserRole(userId: $id, role: STAFF) { id } }",
      { id: target.id },
      admin.headers,
    );
    const missing = randomUUID();
    expect(
      (
        await subgraph.request(
          /* GraphQL */ "mutation($id: ID!) { setUserRole(userId: $id, role: ADMIN) { id } }",
          { id: missing },
          admin.headers,
        )
      ).errors?.[0]?.extensions?.code,
    ).toBe("NOT_FOUND");
    const created = await subgraph.request<{ createApiKey: { key: string; apiKey: { id: string; prefix: string } } }>(
      'mutation { createApiKey(input: { name: "audited", role: STAFF }) { key apiKey { id prefix } } }',
      {},
      await gatewayHeaders(adminKey, "accounts"),
    );
    const { key, apiKey } = created.data?.createApiKey ?? { key: "", apiKey: { id: "", prefix: "" } };
    expect(
      (
        await subgraph.request(
          'mutation { createApiKey(input: { name: "late", role: STAFF, expiresAt: "2020-01-01T00:00:00Z" }) { key } }',
          {},
          admin.headers,
        )
      ).errors?.[0]?.extensions?.code,
    ).toBe("BAD_USER_INPUT");
    await subgraph.request(
      /* GraphQL */ "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
      { id: apiKey.id },
      admin.headers,
    );

    const LOG =
      /* GraphQL */ "query($first: Int, $after: String, $action: String) { accountsAuditLog(first: $first, after: $after, action: $action) { edges { node { id at actorId actorRole actorKind action target outcome detail } } pageInfo { hasNextPage endCursor } } }";
    type Event = {
      id: string;
      at: string;
      actorId: string;
      actorRole: string;
      actorKind: string;
      action: string;
      target: string | null;
      outcome: string;
      detail: string | null;
    };
    type Log = {
      accountsAuditLog: { edges: Array<{ node: Event }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
    };
    const log = await subgraph.request<Log>(LOG, { first: 5 }, admin.headers);
    const events = log.data?.accountsAuditLog.edges.map((edge) => edge.node) ?? [];
    expect(events.map(({ action, outcome }) => `${action} ${outcome}`)).toEqual([
      "revokeApiKey SUCCESS",
      "createApiKey FAILURE",
      "createApiKey SUCCESS",
      "setUserRole FAILURE",
      "setUserRole SUCCESS",
    ]);
    const [revoke, lateKey, newKey, noUser, promotion] = events;
    expect(promotion).toMatchObject({
      actorId: admin.id,
      actorRole: "ADMIN",
      actorKind: "USER",
      target: target.id,
      detail: "CUSTOMER -> STAFF",
    });
    expect(Date.parse(promotion?.at ?? "")).toBeGreaterThanOrEqual(started - 1_000);
    expect(noUser).toMatchObject({ target: missing, detail: expect.stringContaining("not found") });
    expect(newKey).toMatchObject({
      actorId: adminKey.id,
      actorKind: "API_KEY",
      target: apiKey.id,
      detail: expect.stringContaining(`prefix ${apiKey.prefix}`),
    });
    expect(JSON.stringify(events)).not.toContain(key.slice(apiKey.prefix.length)); // the key itself is never recorded
    expect(lateKey).toMatchObject({ target: null, detail: expect.stringContaining("expiresAt") });
    expect(revoke).toMatchObject({ actorId: admin.id, target: apiKey.id, detail: null });

    const older = await subgraph.request<Log>(
      LOG,
      { first: 1, after: log.data?.accountsAuditLog.pageInfo.endCursor },
      admin.headers,
    );
    expect(older.data?.accountsAuditLog.edges.map((edge) => edge.node.id)).not.toContain(promotion?.id);
    const roleChanges = await subgraph.request<Log>(LOG, { first: 100, action: "setUserRole" }, admin.headers);
    expect(new Set(roleChanges.data?.accountsAuditLog.edges.map((edge) => edge.node.action))).toEqual(
      new Set(["setUserRole"]),
    );
    expect((await subgraph.request(LOG, { action: "dropTables" }, admin.headers)).errors?.[0]).toMatchObject({
      message: expect.stringContaining('unknown action "dropTables"'),
      extensions: { code: "BAD_USER_INPUT" },
    });
    expect(
      (await subgraph.request(LOG, {}, (await subgraph.viewer("staff")).headers)).errors?.[0]?.extensions?.code,
    ).toBe("FORBIDDEN");
    expect((await subgraph.request(LOG, {})).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
