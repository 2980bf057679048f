import { randomBytes } from "node:crypto";
import http from "node:http";
import { bearer, graphqlRequest } from "@fedplat/devkit";
import WebSocket from "ws";
import { buildGateway, defaultLimits, type GatewayServer, type RateLimits } from "../src";
import { type AccountsCatalogOrders, startAccountsCatalogOrders } from "./accountsCatalogOrders";

/**
 * Which defence fires against credential guessing and spraying (docs/security.md), through a real
 * gateway over real accounts, catalog and orders subgraphs. Accounts sits behind a counting
 * HTTP relay, so a test can tell how many look-ups reached it.
 */
let services: AccountsCatalogOrders;
let relay: http.Server;
let relayUrl: string;
/** Requests that reached accounts, by operation name ("ApiKeyPrincipal" = an API key look-up). */
const reached: string[] = [];
const running: GatewayServer[] = [];

beforeAll(async () => {
  services = await startAccountsCatalogOrders("security-test");
  relay = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    reached.push(
      (JSON.parse(body) as { operationName?: string; query?: string }).query?.match(
        /^\s*(?:query|mutation)\s+(\w+)/,
      )?.[1] ?? "anonymous",
    );
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !["host", "content-length", "connection"].includes(name)) as Array<
        [string, string]
      >,
    );
    const answer = await fetch(services.accounts.url, { method: "POST", headers, body });
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  relayUrl = `http://127.0.0.1:${(relay.address() as { port: number }).port}/graphql`;
});
afterAll(async () => {
  await Promise.all(running.map((server) => server.close()));
  await new Promise((resolve) => relay?.close(resolve));
  await services?.stop();
});

async function gatewayWith(
  rate: Partial<RateLimits>,
  trustProxy: boolean | number | string = false,
  apiKeyCacheSize?: number,
  apiKeyCacheMs?: number,
): Promise<string> {
  const options = services.gatewayOptions();
  const server = await buildGateway({
    ...options,
    apiKeyCacheSize,
    apiKeyCacheMs,
    subgraphUrls: { ...options.subgraphUrls, ACCOUNTS: relayUrl },
    trustProxy,
    limits: { ...defaultLimits, rate: { ...(options.limits ?? defaultLimits).rate, ...rate } },
  });
  running.push(server);
  return `http://127.0.0.1:${await server.listen(0, "127.0.0.1")}/graphql`;
}

const randomKey = () => `fpk_${randomBytes(32).toString("base64url")}`;
const lookUps = () => reached.filter((name) => name === "ApiKeyPrincipal").length;
const LOGIN = /* GraphQL */ "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }";
const codeOf = (response: { errors?: Array<{ extensions?: Record<string, unknown> }> }) =>
  response.errors?.[0]?.extensions?.code;

describe("API key sprays", () => {
  it("costs accounts one look-up per distinct unknown key (negative cache), none for a malformed key or a bad token", async () => {
    const url = await gatewayWith({ invalidCredentialsPerMinute: 1_000 });
    const keys = Array.from({ length: 10 }, randomKey);
    const before = reached.length;
    for (let round = 0; round < 3; round++) {
      for (const key of keys)
        expect((await graphqlRequest(url, /* GraphQL */ "{ __typename }", {}, { "x-api-key": key })).status).toBe(401);
    }
    expect(reached.length - before).toBe(10);
    expect(reached.slice(before).every((name) => name === "ApiKeyPrincipal")).toBe(true);

    const malformed = await graphqlRequest(
      url,
      /* GraphQL */ "{ __typename }",
      {},
      { "x-api-key": "not-a-key' OR 1=1" },
    );
    const badToken = await graphqlRequest(
      url,
      /* GraphQL */ "{ me { id } }",
      {},
      { authorization: "Bearer abc.def.ghi" },
    );
    expect([malformed.status, codeOf(malformed), badToken.status, codeOf(badToken)]).toEqual([
      401,
      "UNAUTHENTICATED",
      401,
      "UNAUTHENTICATED",
    ]);
    expect(reached.length - before).toBe(10);
  });

  it("cannot flush the cache of valid keys: after 300 unknown keys (6 times its size) a valid key is still answered without a look-up", async () => {
    // A minute's cache time, so only eviction (not the 3 s expiry, on a slow machine) can lose the key.
    const url = await gatewayWith({ invalidCredentialsPerMinute: 1_000 }, false, 50, 60_000);
    const admin = bearer((await services.accounts.viewer("admin")).token);
    const created = await graphqlRequest<{ createApiKey: { key: string } }>(
      url,
      'mutation { createApiKey(input: { name: "spray", role: STAFF }) { key } }',
      {},
      admin,
    );
    const key = created.data?.createApiKey.key ?? "";
    expect((await graphqlRequest(url, /* GraphQL */ "{ __typename }", {}, { "x-api-key": key })).status).toBe(200);
    const before = lookUps();
    await Promise.all(
      Array.from({ length: 300 }, () =>
        graphqlRequest(url, /* GraphQL */ "{ __typename }", {}, { "x-api-key": randomKey() }),
      ),
    );
    expect(lookUps() - before).toBe(300);
    expect((await graphqlRequest(url, /* GraphQL */ "{ __typename }", {}, { "x-api-key": key })).status).toBe(200);
    expect(lookUps() - before).toBe(300);
  });

  it("counts refused credentials per IP: past the budget the IP gets 429 RATE_LIMITED before any look-up", async () => {
    const url = await gatewayWith({ invalidCredentialsPerMinute: 5 });
    const before = lookUps();
    for (let i = 0; i < 5; i++)
      expect((await graphqlRequest(url, /* GraphQL */ "{ __typename }", {}, { "x-api-key": randomKey() })).status).toBe(
        401,
      );
    const refused = await graphqlRequest(url, /* GraphQL */ "{ __typename }", {}, { "x-api-key": randomKey() });
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", retryAfter: expect.any(Number) });
    expect(refused.errors?.[0]?.message).toContain("invalid credentials");
    expect(lookUps() - before).toBe(5);
  });

  it("counts every request per IP before identity: a spray over ipPerMinute is refused with 429 and no look-up", async () => {
    const url = await gatewayWith({ ipPerMinute: 4, invalidCredentialsPerMinute: 1_000 });
    const before = lookUps();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await graphqlRequest(url, /* GraphQL */ "{ __typename }", {}, { "x-api-key": randomKey() })).status,
      );
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    expect(lookUps() - before).toBe(4);
  });
});

describe("API key guesses over the WebSocket (connection_init)", () => {
  /** One graphql-ws connection_init with `params`; resolves with the server's close code (or "ack"). */
  const connectionInit = (url: string, params: Record<string, unknown>, headers: Record<string, string> = {}) =>
    new Promise<number | "ack">((resolve, reject) => {
      const socket = new WebSocket(url.replace(/^http/, "ws"), "graphql-transport-ws", { headers });
      socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: params })));
      socket.on("message", (data) => {
        if ((JSON.parse(String(data)) as { type?: string }).type === "connection_ack") {
          socket.close();
          resolve("ack");
        }
      });
      socket.on("close", (code) => resolve(code));
      socket.on("error", reject);
    });

  it("counts refused keys on the IP's invalid-credentials budget; past it the IP is closed with 4429 before any look-up, spoofed X-Forwarded-For or not", async () => {
    const url = await gatewayWith({ invalidCredentialsPerMinute: 5 });
    const before = lookUps();
    const codes: Array<number | "ack"> = [];
    for (let i = 0; i < 5; i++) codes.push(await connectionInit(url, { "x-api-key": randomKey() }));
    // TRUST_PROXY is off: a header naming another address changes nothing.
    codes.push(await connectionInit(url, { "x-api-key": randomKey() }, { "x-forwarded-for": "203.0.113.9" }));
    expect(codes).toEqual([4401, 4401, 4401, 4401, 4401, 4429]);
    expect(lookUps() - before).toBe(5);
    // The same address over HTTP is refused too: one budget for both transports.
    const overHttp = await graphqlRequest(url, /* GraphQL */ "{ __typename }");
    expect([overHttp.status, codeOf(overHttp)]).toEqual([429, "RATE_LIMITED"]);
  });

  it("counts every connection_init on the per-IP budget", async () => {
    const url = await gatewayWith({ ipPerMinute: 3, invalidCredentialsPerMinute: 1_000 });
    const token = (await services.accounts.viewer("customer")).token;
    const codes: Array<number | "ack"> = [];
    for (let i = 0; i < 4; i++) codes.push(await connectionInit(url, { authorization: `Bearer ${token}` }));
    expect(codes).toEqual(["ack", "ack", "ack", 4429]);
  });
});

describe("login and register", () => {
  it("stay on the per-IP budget whatever token is presented (429 RATE_LIMITED), while the user's other requests go on", async () => {
    const url = await gatewayWith({ anonymousPerMinute: 3 });
    const customer = bearer((await services.accounts.viewer("customer")).token);
    const codes: unknown[] = [];
    for (let i = 0; i < 3; i++)
      codes.push(codeOf(await graphqlRequest(url, LOGIN, { e: `nobody-${i}@example.com`, p: "guess-1" }, customer)));
    expect(codes).toEqual(["UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED"]);
    const limited = await graphqlRequest(url, LOGIN, { e: "nobody-4@example.com", p: "guess-1" }, customer);
    expect(limited.status).toBe(429);
    expect(limited.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", retryAfter: expect.any(Number) });
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    // Through a fragment, register is caught the same way.
    const viaFragment = await graphqlRequest(
      url,
      'mutation { ...R } fragment R on Mutation { register(input: { email: "f@example.com", password: "s3cretpass", name: "F" }) { email } }',
      {},
      customer,
    );
    expect(codeOf(viaFragment)).toBe("RATE_LIMITED");
    expect((await graphqlRequest(url, /* GraphQL */ "{ me { id } }", {}, customer)).status).toBe(200);
  });

  it("locks an email after 5 failures whoever asks: guesses from 6 addresses, each with another account's valid token", async () => {
    const url = await gatewayWith({}, true);
    const email = "target@example.com";
    await graphqlRequest(
      url,
      'mutation($e: String!) { register(input: { email: $e, password: "R1ght-pass", name: "Target" }) { email } }',
      { e: email },
    );
    const attacker = bearer((await services.accounts.viewer("customer")).token);
    const codes: unknown[] = [];
    for (let i = 0; i < 6; i++)
      codes.push(
        codeOf(
          await graphqlRequest(
            url,
            LOGIN,
            { e: email, p: `guess-${i}` },
            { ...attacker, "x-forwarded-for": `203.0.113.${i + 1}` },
          ),
        ),
      );
    expect(codes).toEqual([
      "UNAUTHENTICATED",
      "UNAUTHENTICATED",
      "UNAUTHENTICATED",
      "UNAUTHENTICATED",
      "UNAUTHENTICATED",
      "ACCOUNT_LOCKED",
    ]);
    const owner = await graphqlRequest(
      url,
      LOGIN,
      { e: email, p: "R1ght-pass" },
      { "x-forwarded-for": "198.51.100.7" },
    );
    expect(owner.errors?.[0]?.extensions).toMatchObject({ code: "ACCOUNT_LOCKED", retryAfter: expect.any(Number) });
  });
});

describe("TRUST_PROXY", () => {
  const statusesFrom = async (url: string, forwardedFor: string[]) => {
    const statuses: number[] = [];
    for (const value of forwardedFor)
      statuses.push(
        (await graphqlRequest(url, /* GraphQL */ "{ __typename }", {}, { "x-forwarded-for": value })).status,
      );
    return statuses;
  };

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy: spoofed addresses share the peer's budget", async () => {
    const url = await gatewayWith({ anonymousPerMinute: 2 }, "10.0.0.0/8");
    expect(await statusesFrom(url, ["198.51.100.1", "198.51.100.2", "198.51.100.3"])).toEqual([200, 200, 429]);
  });

  it("believes a trusted proxy's hop (an address list): each client has its own budget", async () => {
    const url = await gatewayWith({ anonymousPerMinute: 1 }, "loopback");
    expect(await statusesFrom(url, ["198.51.100.1", "198.51.100.2", "198.51.100.1"])).toEqual([200, 200, 429]);
  });

  it("behind 2 proxies (hop count 2) uses the address the outer proxy saw, not what the client wrote before it", async () => {
    const url = await gatewayWith({ anonymousPerMinute: 2 }, 2);
    // client-written (spoofed) entry, then the client as the outer proxy saw it, then the outer proxy as the inner one saw it
    const fromClient = (spoofed: string, client: string) => `${spoofed}, ${client}, 10.0.0.2`;
    expect(
      await statusesFrom(url, [
        fromClient("1.1.1.1", "198.51.100.9"),
        fromClient("2.2.2.2", "198.51.100.9"),
        fromClient("3.3.3.3", "198.51.100.9"),
      ]),
    ).toEqual([200, 200, 429]);
    expect(await statusesFrom(url, [fromClient("3.3.3.3", "198.51.100.10")])).toEqual([200]);
  });
});
