import { buildSeedData } from "@fedplat/prisma/seed/data";
import { type Platform, startPlatform } from "../fixtures";

jest.setTimeout(180_000);

let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform({ logLevel: "debug" });
});
afterAll(() => platform?.stop());

describe("logs", () => {
  it("never contain passwords, tokens, API keys or personal data, through a whole login-to-order flow", async () => {
    const secrets: string[] = ["Passw0rd!", "N3w-pa55word"];
    await platform.query(
      'mutation { register(input: { email: "logs@example.com", password: "N3w-pa55word", name: "Log Checker" }) { email message } }',
    );
    const registered = {
      data: (
        await platform.query<{ login: { accessToken: string; refreshToken: string } }>(
          'mutation { login(email: "logs@example.com", password: "N3w-pa55word") { accessToken refreshToken } }',
        )
      ).data?.login,
    };
    const customer = { authorization: `Bearer ${registered.data?.accessToken}` };
    secrets.push(registered.data?.accessToken ?? "missing", registered.data?.refreshToken ?? "missing");

    const login = await platform.query<{ login: { accessToken: string; refreshToken: string } }>(
      'mutation { login(email: "admin@example.com", password: "Passw0rd!") { accessToken refreshToken } }',
    );
    const admin = { authorization: `Bearer ${login.data?.login.accessToken}` };
    secrets.push(login.data?.login.accessToken ?? "missing", login.data?.login.refreshToken ?? "missing");
    await platform.query('mutation { login(email: "admin@example.com", password: "wrong-Passw0rd!") { accessToken } }');

    const refreshed = await platform.query<{ refreshToken: { refreshToken: string } }>(
      /* GraphQL */ "mutation($t: String!) { refreshToken(token: $t) { refreshToken } }",
      { t: login.data?.login.refreshToken },
    );
    secrets.push(refreshed.data?.refreshToken.refreshToken ?? "missing");

    await platform.query(
      'mutation { updateProfile(input: { phone: "+44 20 7946 0958", address: "221B Baker Street" }) { id } }',
      {},
      customer,
    );
    secrets.push("7946 0958", "221B Baker");

    const key = await platform.query<{ createApiKey: { key: string } }>(
      'mutation { createApiKey(input: { name: "logs", role: STAFF }) { key } }',
      {},
      admin,
    );
    secrets.push(key.data?.createApiKey.key ?? "missing");
    await platform.query(
      /* GraphQL */ "{ users(first: 1) { totalCount } }",
      {},
      { "x-api-key": key.data?.createApiKey.key ?? "" },
    );

    const productId = buildSeedData().products[0]?.id;
    const placed = await platform.query<{ placeOrder: { id: string } }>(
      /* GraphQL */ "mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 2 }] }) { id status } }",
      { p: productId },
      customer,
    );
    expect(placed.errors).toBeUndefined();
    await platform.query(
      /* GraphQL */ "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
      { id: placed.data?.placeOrder.id },
      customer,
    );
    await platform.query(/* GraphQL */ "{ me { email phone address orders(first: 5) { id } } }", {}, customer);

    const logs = platform.logs();
    expect(logs.length).toBeGreaterThan(10); // the flow was logged (one line per request at least)
    const leaks = secrets.filter((secret) => secret.length > 5 && logs.some((line) => line.includes(secret)));
    expect(leaks).toEqual([]);
    // the identity the gateway signs for subgraphs is a credential too
    expect(logs.filter((line) => /eyJ[\w-]{10,}\.[\w-]{10,}\./.test(line))).toEqual([]);
  });
});
