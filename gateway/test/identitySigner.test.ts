import { verifyCallerIdentity } from "@fedplat/auth";
import { TEST_GATEWAY_KEY, TEST_IDENTITY_TRUST } from "@fedplat/devkit";
import { decodeJwt } from "jose";
import { createIdentitySigner } from "../src/features/identity/identitySigner";

const viewer = {
  id: "0b8f8f4e-3c1d-4a7e-9a51-7a3f0a6f4c11",
  roles: ["STAFF"],
  scopes: ["orders:read"],
  tenant: "acme",
  kind: "user" as const,
};

describe("the identity the gateway signs for each subgraph", () => {
  it("binds each token to its subgraph: catalog accepts its own and refuses the one signed for accounts", async () => {
    const sign = createIdentitySigner(TEST_GATEWAY_KEY);
    const forCatalog = await sign(viewer, "catalog");
    const forAccounts = await sign(viewer, "accounts");
    expect(decodeJwt(forCatalog)).toMatchObject({ aud: "catalog", iss: "fedplat-gateway", sub: viewer.id });
    expect((decodeJwt(forCatalog).exp ?? 0) - (decodeJwt(forCatalog).iat ?? 0)).toBeLessThanOrEqual(60);
    expect(await verifyCallerIdentity(forCatalog, TEST_IDENTITY_TRUST, "catalog")).toEqual({
      caller: { kind: "gateway" },
      viewer,
    });
    await expect(verifyCallerIdentity(forAccounts, TEST_IDENTITY_TRUST, "catalog")).rejects.toMatchObject({
      extensions: { code: "UNAUTHENTICATED" },
    });
  });

  it("reuses a viewer's token per subgraph, and signs another viewer (or anonymous) apart", async () => {
    const sign = createIdentitySigner(TEST_GATEWAY_KEY);
    const first = await sign(viewer, "orders");
    expect(await sign(viewer, "orders")).toBe(first);
    expect(await sign({ ...viewer, roles: ["ADMIN"] }, "orders")).not.toBe(first);
    expect(await sign({ ...viewer, scopes: [] }, "orders")).not.toBe(first);
    expect(await sign({ ...viewer, tenant: "other" }, "orders")).not.toBe(first);
    expect(decodeJwt(await sign(null, "orders"))).toMatchObject({ sub: "anonymous", kind: "anonymous", aud: "orders" });
  });
});
