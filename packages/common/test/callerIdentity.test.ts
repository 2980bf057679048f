import { SignJWT } from "jose";
import { createCallerIdentityVerifier, signCallerIdentity, verifyCallerIdentity } from "../src";

const SECRET = "unit-test-gateway-secret-0123456789abcdef";
const viewer = { id: "7f1c1f37-9f5e-4a52-8d0b-1d1f2d9a5c11", role: "CUSTOMER" as const, kind: "user" as const };

describe("caller identity (gateway -> subgraph)", () => {
  it("round-trips a viewer signed by the gateway, and an anonymous one", async () => {
    expect(await verifyCallerIdentity(await signCallerIdentity({ caller: { kind: "gateway" }, viewer }, SECRET), SECRET)).toEqual({ caller: { kind: "gateway" }, viewer });
    expect(await verifyCallerIdentity(await signCallerIdentity({ caller: { kind: "service", name: "orders" }, viewer: null }, SECRET), SECRET)).toEqual({ caller: { kind: "service", name: "orders" }, viewer: null });
  });

  it("rejects a missing header, another secret, and a self-made assertion with an unknown issuer", async () => {
    await expect(verifyCallerIdentity(undefined, SECRET)).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    await expect(verifyCallerIdentity(await signCallerIdentity({ caller: { kind: "gateway" }, viewer }, `${SECRET}x`), SECRET)).rejects.toThrow("Invalid gateway identity");
    const selfMade = await new SignJWT({ role: "ADMIN", kind: "user" }).setProtectedHeader({ alg: "HS256" }).setIssuer("me").setAudience("fedplat-subgraphs").setSubject(viewer.id).setExpirationTime("1m").sign(new TextEncoder().encode(SECRET));
    await expect(verifyCallerIdentity(selfMade, SECRET)).rejects.toThrow("Invalid gateway identity");
  });

  it("rejects an expired assertion (replay after a minute)", async () => {
    const old = await new SignJWT({ role: "ADMIN", kind: "user" }).setProtectedHeader({ alg: "HS256" }).setIssuer("fedplat-gateway").setAudience("fedplat-subgraphs").setSubject(viewer.id).setExpirationTime(Math.floor(Date.now() / 1000) - 5).sign(new TextEncoder().encode(SECRET));
    await expect(verifyCallerIdentity(old, SECRET)).rejects.toThrow("Invalid gateway identity");
  });

  describe("a verifier that remembers verified assertions", () => {
    afterEach(() => jest.useRealTimers());

    it("accepts the same assertion again, and still rejects other secrets, unknown issuers and missing headers", async () => {
      const verify = createCallerIdentityVerifier(SECRET);
      const header = await signCallerIdentity({ caller: { kind: "gateway" }, viewer }, SECRET);
      expect(await verify(header)).toEqual({ caller: { kind: "gateway" }, viewer });
      expect(await verify(header)).toEqual({ caller: { kind: "gateway" }, viewer });
      await expect(verify(await signCallerIdentity({ caller: { kind: "gateway" }, viewer }, `${SECRET}x`))).rejects.toThrow("Invalid gateway identity");
      const selfMade = await new SignJWT({ role: "ADMIN", kind: "user" }).setProtectedHeader({ alg: "HS256" }).setIssuer("me").setAudience("fedplat-subgraphs").setSubject(viewer.id).setExpirationTime("1m").sign(new TextEncoder().encode(SECRET));
      await expect(verify(selfMade)).rejects.toThrow("Invalid gateway identity");
      await expect(verify(undefined)).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    });

    it("rejects a remembered assertion once it has expired (a replay a minute later)", async () => {
      jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate", "queueMicrotask"], now: Date.now() });
      const verify = createCallerIdentityVerifier(SECRET);
      const header = await signCallerIdentity({ caller: { kind: "gateway" }, viewer }, SECRET);
      expect(await verify(header)).toEqual({ caller: { kind: "gateway" }, viewer });
      jest.setSystemTime(Date.now() + 61_000);
      await expect(verify(header)).rejects.toThrow("Invalid gateway identity");
    });
  });
});
