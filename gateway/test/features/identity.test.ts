import { randomUUID } from "node:crypto";
import { IDENTITY_HEADER, signAccessToken, verifyCallerIdentity } from "@fedplat/auth";
import { bearer, TEST_GATEWAY_KEY, TEST_IDENTITY_TRUST, TEST_JWT_SECRET } from "@fedplat/devkit";
import type { Request } from "express";
import { accountsIdentity, createCredentials, createIdentityFeature } from "../../src/features/identity";
import type { FetcherResponse } from "../../src/transport/subgraphFetch";
import type { SubgraphRequest } from "../../src/transport/subgraphRequest";
import { serveFeatures } from "./httpHarness";
import { customer, subgraphRequest } from "./subgraphRequests";

// No key or session look-ups happen in these tests: accounts is never called.
const credentials = createCredentials({
  accountsUrl: "http://127.0.0.1:9/graphql",
  identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
  signingKey: TEST_GATEWAY_KEY,
});
const refused: Request[] = [];
const feature = createIdentityFeature({
  credentials,
  signingKey: TEST_GATEWAY_KEY,
  onInvalidCredentials: async (req) => void refused.push(req),
});
let harness: Awaited<ReturnType<typeof serveFeatures>>;

beforeAll(async () => {
  harness = await serveFeatures([feature]);
});
afterAll(() => harness.close());
beforeEach(() => {
  refused.length = 0;
});

describe("identity feature", () => {
  it("leaves the verified viewer in the request state for the layers after it", async () => {
    const id = randomUUID();
    const response = await harness.post(
      { query: /* GraphQL */ "{ me { id } }" },
      bearer(await signAccessToken({ id, role: "CUSTOMER" }, TEST_JWT_SECRET)),
    );
    expect(response.status).toBe(200);
    expect(response.body.state?.viewer).toMatchObject({ id, roles: ["CUSTOMER"], scopes: [] });
    expect((await harness.post({ query: /* GraphQL */ "{ me { id } }" })).body.state?.viewer).toBeNull();
  });

  it("refuses a forged token with 401 UNAUTHENTICATED and counts it against the address", async () => {
    const response = await harness.post(
      { query: /* GraphQL */ "{ me { id } }" },
      bearer(
        await signAccessToken({ id: randomUUID(), role: "ADMIN" }, "not-the-secret-not-the-secret-not-the-secret"),
      ),
    );
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(refused).toHaveLength(1);
  });

  it("refuses a request with both a token and an API key with 400 BAD_REQUEST", async () => {
    const response = await harness.post(
      { query: /* GraphQL */ "{ me { id } }" },
      { ...bearer("x"), "x-api-key": "fpk_x" },
    );
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
    expect(refused).toHaveLength(0);
  });

  it("signs the viewer from the request context into each subgraph fetch, for that subgraph alone", async () => {
    const sent: SubgraphRequest[] = [];
    const wrap = feature.wrapSubgraphFetch;
    if (!wrap) throw new Error("the identity feature wraps subgraph fetches");
    const fetch = wrap(async (request) => {
      sent.push(request);
      return {} as FetcherResponse; // the answer plays no part here
    });
    await fetch(
      subgraphRequest("http://catalog.invalid/graphql", /* GraphQL */ "{ products { id } }", {
        viewer: customer("user-7"),
        subgraph: "catalog",
      }),
    );
    const header = sent[0]?.init.headers[IDENTITY_HEADER];
    await expect(verifyCallerIdentity(header, TEST_IDENTITY_TRUST, "catalog")).resolves.toMatchObject({
      viewer: { id: "user-7", roles: ["CUSTOMER"], scopes: [] },
    });
    await expect(verifyCallerIdentity(header, TEST_IDENTITY_TRUST, "orders")).rejects.toThrow();
  });
});
