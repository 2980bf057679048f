import { signAccessToken } from "@fedplat/common";
import { graphqlRequest, type GraphQLResponse } from "@fedplat/devkit";
import { decodeProtectedHeader } from "jose";
import { type Platform, startPlatform } from "../fixtures";

jest.setTimeout(180_000);

/**
 * Sessions end on every replica (docs/security.md), with real processes: accounts signs with the
 * active key of JWT_SIGNING_KEYS; a second gateway replica that no longer lists k1 refuses k1's
 * tokens; a logout through one replica ends the access token at the other within 5 s.
 */
const K1 = "e2e-k1-secret-0123456789abcdef012345";
const K2 = "e2e-k2-secret-0123456789abcdef012345";

let platform: Platform;
let replicaUrl: string;

beforeAll(async () => {
  // k2 signs; k1 (the previous key) still verifies; JWT_SECRET stays for tokens without a kid.
  platform = await startPlatform({ env: { JWT_SIGNING_KEYS: `k2:${K2},k1:${K1}`, JWT_ACTIVE_KEY_ID: "k2" } });
  // A replica after the rotation finished: k1 retired.
  replicaUrl = await platform.addGateway({ JWT_SIGNING_KEYS: `k2:${K2}` });
});
afterAll(() => platform?.stop());

const codeOf = (response: GraphQLResponse<unknown>) => response.errors?.[0]?.extensions?.code;

async function within<T>(limitMs: number, ask: () => Promise<GraphQLResponse<T>>, done: (response: GraphQLResponse<T>) => boolean): Promise<number> {
  const started = Date.now();
  let last: GraphQLResponse<T> | undefined;
  while (Date.now() - started <= limitMs) {
    last = await ask();
    if (done(last)) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${limitMs} ms; last answer ${JSON.stringify(last?.errors ?? last?.data)}`);
}

describe("sessions across gateway replicas", () => {
  it("signs with the active kid; a replica refuses tokens of a retired kid and accepts a still-listed one", async () => {
    const headers = await platform.login("customer@example.com");
    const token = headers.authorization?.replace("Bearer ", "") ?? "";
    expect(decodeProtectedHeader(token).kid).toBe("k2");
    const me = await graphqlRequest<{ me: { id: string } }>(replicaUrl, "{ me { id } }", {}, headers);
    const id = me.data?.me.id ?? "";
    expect(id).not.toBe("");

    const withK1 = await signAccessToken({ id, role: "CUSTOMER", tokenVersion: 0 }, { id: "k1", secret: K1 });
    const onFirst = await platform.query<{ me: { id: string } }>("{ me { id } }", {}, { authorization: `Bearer ${withK1}` });
    expect(onFirst.data?.me.id).toBe(id);
    const retired = await graphqlRequest(replicaUrl, "{ me { id } }", {}, { authorization: `Bearer ${withK1}` });
    expect([retired.status, codeOf(retired), retired.errors?.[0]?.message]).toEqual([401, "UNAUTHENTICATED", "Invalid access token"]);
  });

  it("logout through one replica: the access token gets 401 UNAUTHENTICATED on the other within 5 s", async () => {
    const headers = await platform.login("staff@example.com");
    const me = () => graphqlRequest<{ me: { id: string } | null }>(replicaUrl, "{ me { id } }", {}, headers);
    expect((await me()).data?.me?.id).toEqual(expect.any(String)); // the replica's cache is warm
    expect((await platform.query("mutation { logout }", {}, headers)).data).toEqual({ logout: true });
    const elapsed = await within(5_000, me, (res) => res.status === 401 && codeOf(res) === "UNAUTHENTICATED");
    expect(elapsed).toBeLessThan(5_000);
  });
});
