import { SignJWT } from "jose";
import {
  createCallerIdentityVerifier,
  generateIdentityKeyPair,
  parseSigningKey,
  parseVerifyKeys,
  signCallerIdentity,
  type IdentityTrust,
  verifyCallerIdentity,
} from "../src";

const pair = (kid: string) => {
  const { signingKey, verifyKeys } = generateIdentityKeyPair(kid);
  return { signing: parseSigningKey(signingKey), verifyKeys: JSON.parse(verifyKeys) as object[] };
};
const gateway = pair("gw-2");
const previousGateway = pair("gw-1");
const orders = pair("orders-1");
const trust: IdentityTrust = {
  gateway: parseVerifyKeys(JSON.stringify([...gateway.verifyKeys, ...previousGateway.verifyKeys])),
  services: { orders: parseVerifyKeys(JSON.stringify(orders.verifyKeys)) },
};
const viewer = {
  id: "7f1c1f37-9f5e-4a52-8d0b-1d1f2d9a5c11",
  roles: ["CUSTOMER"],
  scopes: ["orders:read"],
  tenant: "acme",
  kind: "user" as const,
};
const admin = { ...viewer, roles: ["ADMIN"] };
const OLD_SHARED_SECRET = "unit-test-gateway-secret-0123456789abcdef";

describe("caller identity (gateway -> subgraph)", () => {
  it("round-trips a viewer signed by the gateway for this subgraph, and a service's own identity", async () => {
    expect(
      await verifyCallerIdentity(
        await signCallerIdentity({ caller: { kind: "gateway" }, viewer }, gateway.signing, "catalog"),
        trust,
        "catalog",
      ),
    ).toEqual({ caller: { kind: "gateway" }, viewer });
    expect(
      await verifyCallerIdentity(
        await signCallerIdentity(
          { caller: { kind: "service", name: "orders" }, viewer: null },
          orders.signing,
          "catalog",
        ),
        trust,
        "catalog",
      ),
    ).toEqual({ caller: { kind: "service", name: "orders" }, viewer: null });
  });

  it("accepts the previous gateway key while it is still listed (rotation)", async () => {
    expect(
      await verifyCallerIdentity(
        await signCallerIdentity({ caller: { kind: "gateway" }, viewer }, previousGateway.signing, "catalog"),
        trust,
        "catalog",
      ),
    ).toEqual({ caller: { kind: "gateway" }, viewer });
  });

  it("refuses a token for another subgraph (aud)", async () => {
    const forOrders = await signCallerIdentity(
      { caller: { kind: "gateway" }, viewer: admin },
      gateway.signing,
      "orders",
    );
    await expect(verifyCallerIdentity(forOrders, trust, "catalog")).rejects.toMatchObject({
      message: "Invalid gateway identity",
      extensions: { code: "UNAUTHENTICATED" },
    });
  });

  it("refuses a service's own key claiming to be the gateway, and a key of a service it does not trust", async () => {
    const forged = await signCallerIdentity({ caller: { kind: "gateway" }, viewer: admin }, orders.signing, "catalog");
    await expect(verifyCallerIdentity(forged, trust, "catalog")).rejects.toThrow("Invalid gateway identity");
    const stranger = pair("payments-1");
    await expect(
      verifyCallerIdentity(
        await signCallerIdentity(
          { caller: { kind: "service", name: "payments" }, viewer: null },
          stranger.signing,
          "catalog",
        ),
        trust,
        "catalog",
      ),
    ).rejects.toThrow("Invalid gateway identity");
    // Even under orders' kid: the signature is checked against orders' listed public key.
    await expect(
      verifyCallerIdentity(
        await signCallerIdentity(
          { caller: { kind: "service", name: "orders" }, viewer: null },
          { ...stranger.signing, kid: "orders-1" },
          "catalog",
        ),
        trust,
        "catalog",
      ),
    ).rejects.toThrow("Invalid gateway identity");
  });

  it("refuses an HS256 token signed with the old shared secret, and an unknown kid", async () => {
    const hs256 = await new SignJWT({ role: "ADMIN", kind: "user" })
      .setProtectedHeader({ alg: "HS256", kid: "gw-2" })
      .setIssuer("fedplat-gateway")
      .setAudience("catalog")
      .setSubject(viewer.id)
      .setIssuedAt()
      .setExpirationTime("1m")
      .sign(new TextEncoder().encode(OLD_SHARED_SECRET));
    await expect(verifyCallerIdentity(hs256, trust, "catalog")).rejects.toThrow("Invalid gateway identity");
    const unknownKid = await signCallerIdentity(
      { caller: { kind: "gateway" }, viewer },
      { ...gateway.signing, kid: "gw-9" },
      "catalog",
    );
    await expect(verifyCallerIdentity(unknownKid, trust, "catalog")).rejects.toThrow("Invalid gateway identity");
    await expect(verifyCallerIdentity(undefined, trust, "catalog")).rejects.toMatchObject({
      extensions: { code: "UNAUTHENTICATED" },
    });
  });

  it("refuses an expired token, and one whose lifetime exceeds 60 s", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ role: "ADMIN", kind: "user" })
      .setProtectedHeader({ alg: "EdDSA", kid: "gw-2" })
      .setIssuer("fedplat-gateway")
      .setAudience("catalog")
      .setSubject(viewer.id)
      .setIssuedAt(now - 65)
      .setExpirationTime(now - 5)
      .sign(gateway.signing.key);
    await expect(verifyCallerIdentity(expired, trust, "catalog")).rejects.toThrow("Invalid gateway identity");
    const longLived = await new SignJWT({ role: "ADMIN", kind: "user" })
      .setProtectedHeader({ alg: "EdDSA", kid: "gw-2" })
      .setIssuer("fedplat-gateway")
      .setAudience("catalog")
      .setSubject(viewer.id)
      .setIssuedAt(now - 120)
      .setExpirationTime(now + 3600)
      .sign(gateway.signing.key);
    await expect(verifyCallerIdentity(longLived, trust, "catalog")).rejects.toThrow("Invalid gateway identity");
  });

  it("reads the documented payload; accepts a single `role` from older gateways; refuses malformed roles, scopes or tenant", async () => {
    const now = Math.floor(Date.now() / 1000);
    const signed = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "EdDSA", kid: "gw-2" })
        .setIssuer("fedplat-gateway")
        .setAudience("catalog")
        .setSubject(viewer.id)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(gateway.signing.key);
    expect(
      await verifyCallerIdentity(
        await signed({ kind: "user", roles: ["STAFF"], scopes: ["a", "b"], tenant: "t1" }),
        trust,
        "catalog",
      ),
    ).toEqual({
      caller: { kind: "gateway" },
      viewer: { id: viewer.id, roles: ["STAFF"], scopes: ["a", "b"], tenant: "t1", kind: "user" },
    });
    expect(await verifyCallerIdentity(await signed({ kind: "apiKey", role: "STAFF" }), trust, "catalog")).toEqual({
      caller: { kind: "gateway" },
      viewer: { id: viewer.id, roles: ["STAFF"], scopes: [], kind: "apiKey" },
    });
    for (const claims of [
      { kind: "user", roles: "STAFF" },
      { kind: "user", roles: [1] },
      { kind: "user", roles: [], scopes: "a b" },
      { kind: "user", roles: [], tenant: 7 },
      { kind: "user" },
      { kind: "robot", roles: [] },
    ])
      await expect(verifyCallerIdentity(await signed(claims), trust, "catalog")).rejects.toThrow(
        "Invalid gateway identity",
      );
  });

  describe("a verifier that remembers verified assertions", () => {
    afterEach(() => jest.useRealTimers());

    it("accepts the same assertion again, and still refuses other keys, audiences and missing headers", async () => {
      const verify = createCallerIdentityVerifier(trust, "catalog");
      const header = await signCallerIdentity({ caller: { kind: "gateway" }, viewer }, gateway.signing, "catalog");
      expect(await verify(header)).toEqual({ caller: { kind: "gateway" }, viewer });
      expect(await verify(header)).toEqual({ caller: { kind: "gateway" }, viewer });
      await expect(
        verify(await signCallerIdentity({ caller: { kind: "gateway" }, viewer }, orders.signing, "catalog")),
      ).rejects.toThrow("Invalid gateway identity");
      await expect(
        verify(await signCallerIdentity({ caller: { kind: "gateway" }, viewer }, gateway.signing, "accounts")),
      ).rejects.toThrow("Invalid gateway identity");
      await expect(verify(undefined)).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    });

    it("refuses a remembered assertion once it has expired (a replay a minute later)", async () => {
      jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate", "queueMicrotask"], now: Date.now() });
      const verify = createCallerIdentityVerifier(trust, "catalog");
      const header = await signCallerIdentity({ caller: { kind: "gateway" }, viewer }, gateway.signing, "catalog");
      expect(await verify(header)).toEqual({ caller: { kind: "gateway" }, viewer });
      jest.setSystemTime(Date.now() + 61_000);
      await expect(verify(header)).rejects.toThrow("Invalid gateway identity");
    });
  });
});

describe("identity keys (configuration)", () => {
  it("refuses malformed keys with a message saying what is wrong", () => {
    expect(() => parseSigningKey("not json")).toThrow(/must be JSON/);
    expect(() => parseSigningKey(JSON.stringify(gateway.verifyKeys[0]))).toThrow(/must be a private key/);
    expect(() => parseSigningKey(JSON.stringify({ kty: "OKP", crv: "Ed25519", d: "x", x: "y" }))).toThrow(
      /needs a kid/,
    );
    expect(() => parseSigningKey(JSON.stringify({ kty: "RSA", kid: "a" }))).toThrow(/must be an Ed25519 key/);
    expect(() => parseVerifyKeys("[]")).toThrow(/non-empty JSON array/);
    expect(() => parseVerifyKeys(JSON.stringify([...gateway.verifyKeys, ...gateway.verifyKeys]))).toThrow(
      /listed twice/,
    );
    const { signingKey } = generateIdentityKeyPair("k");
    expect(() => parseVerifyKeys(`[${signingKey}]`)).toThrow(/is a private key/);
  });
});
