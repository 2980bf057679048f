import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  claimAt,
  createTokenVerifier,
  parseSigningKeys,
  signAccessToken,
  verifyAccessToken,
  viewerFromAuthorization,
} from "../src";

const SECRET = "unit-test-secret-0123456789abcdef0123456789";
const key = new TextEncoder().encode(SECRET);
/** Whom accounts signs a token for, and the viewer the token then stands for. */
const subject = { id: "7f1c1f37-9f5e-4a52-8d0b-1d1f2d9a5c11", role: "STAFF" };
const viewer = { id: subject.id, roles: ["STAFF"], scopes: [], kind: "user" as const };

async function expectUnauthenticated(promise: Promise<unknown>, message: string, reason?: string) {
  await expect(promise).rejects.toMatchObject({
    message,
    extensions: { code: "UNAUTHENTICATED", http: { status: 401 }, ...(reason ? { reason } : {}) },
  });
}

describe("access tokens", () => {
  afterEach(() => jest.useRealTimers());

  it("accepts the same token again from memory, but not once it has expired", async () => {
    jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate", "queueMicrotask"], now: Date.now() });
    const verify = createTokenVerifier({ kind: "hs256", secret: SECRET });
    const token = await signAccessToken(subject, SECRET, 60);
    expect(await verify(token)).toEqual(viewer);
    expect(await verify(token)).toEqual(viewer);
    await expectUnauthenticated(verify(await signAccessToken(subject, `${SECRET}x`, 60)), "Invalid access token");
    jest.setSystemTime(Date.now() + 61_000);
    await expectUnauthenticated(verify(token), "Access token expired");
  });

  it("verifies by kid: a listed kid with its own key, never a retired kid, a kid with another key's secret, or a bad version claim", async () => {
    const verify = createTokenVerifier({ kind: "hs256", keys: { k2: `${SECRET}2`, k1: `${SECRET}1` } });
    const versioned = { ...viewer, tokenVersion: 3 };
    expect(
      await verify(await signAccessToken({ ...subject, tokenVersion: 3 }, { id: "k1", secret: `${SECRET}1` })),
    ).toEqual(versioned);
    expect(await verify(await signAccessToken(subject, { id: "k2", secret: `${SECRET}2` }))).toEqual(viewer);
    await expectUnauthenticated(
      verify(await signAccessToken(subject, { id: "k0", secret: `${SECRET}0` })),
      "Invalid access token",
    );
    await expectUnauthenticated(
      verify(await signAccessToken(subject, { id: "k1", secret: `${SECRET}2` })),
      "Invalid access token",
    );
    await expectUnauthenticated(verify(await signAccessToken(subject, SECRET)), "Invalid access token"); // no kid, no JWT_SECRET
    const badVersion = await new SignJWT({ role: "STAFF", ver: -1 })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .setSubject(viewer.id)
      .setIssuer("fedplat-accounts")
      .setAudience("fedplat")
      .setExpirationTime("1m")
      .sign(new TextEncoder().encode(`${SECRET}1`));
    await expectUnauthenticated(verify(badVersion), "Invalid access token", "INVALID_CLAIMS");
  });

  it("parses JWT_SIGNING_KEYS and names a bad entry without echoing a secret", () => {
    expect([...parseSigningKeys(`k2:${SECRET},k1:${SECRET}x`).keys()]).toEqual(["k2", "k1"]);
    expect(() => parseSigningKeys(`k2:${SECRET},oops`)).toThrow("entry 2 must look like <key id>:<secret>");
    expect(() => parseSigningKeys("k2:short")).toThrow('key "k2": the secret must be at least 32 characters');
    expect(() => parseSigningKeys(`k2:${SECRET},k2:${SECRET}`)).toThrow('key "k2" is listed twice');
  });

  it("round-trips a viewer", async () => {
    expect(await verifyAccessToken(await signAccessToken(subject, SECRET), SECRET)).toEqual(viewer);
  });

  it("rejects a token signed with another secret", async () => {
    await expectUnauthenticated(
      verifyAccessToken(await signAccessToken(subject, `${SECRET}x`), SECRET),
      "Invalid access token",
    );
  });

  it("rejects an expired token", async () => {
    const expired = await new SignJWT({ role: "STAFF" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(viewer.id)
      .setIssuer("fedplat-accounts")
      .setAudience("fedplat")
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    await expectUnauthenticated(verifyAccessToken(expired, SECRET), "Access token expired", "TOKEN_EXPIRED");
  });

  it("rejects a token that is not valid yet (nbf in the future)", async () => {
    const early = await new SignJWT({ role: "STAFF" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(viewer.id)
      .setIssuer("fedplat-accounts")
      .setAudience("fedplat")
      .setNotBefore("10m")
      .setExpirationTime("1h")
      .sign(key);
    await expectUnauthenticated(verifyAccessToken(early, SECRET), "Invalid access token");
  });

  it("rejects alg none, an unknown issuer and a wrong audience, each with its reason", async () => {
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    const body = Buffer.from(
      JSON.stringify({
        sub: viewer.id,
        role: "ADMIN",
        iss: "fedplat-accounts",
        aud: "fedplat",
        exp: Math.floor(Date.now() / 1000) + 60,
      }),
    ).toString("base64url");
    await expectUnauthenticated(
      verifyAccessToken(`${header}.${body}.`, SECRET),
      "Invalid access token",
      "INVALID_TOKEN",
    );
    const base = () =>
      new SignJWT({ role: "STAFF" }).setProtectedHeader({ alg: "HS256" }).setSubject(viewer.id).setExpirationTime("1m");
    await expectUnauthenticated(
      verifyAccessToken(await base().setIssuer("evil").setAudience("fedplat").sign(key), SECRET),
      "Access token from an issuer this gateway does not trust",
      "UNKNOWN_ISSUER",
    );
    await expectUnauthenticated(
      verifyAccessToken(await base().setAudience("fedplat").sign(key), SECRET),
      "Access token from an issuer this gateway does not trust",
      "UNKNOWN_ISSUER",
    );
    await expectUnauthenticated(
      verifyAccessToken(await base().setIssuer("fedplat-accounts").setAudience("other").sign(key), SECRET),
      "Invalid access token",
      "WRONG_AUDIENCE",
    );
    await expectUnauthenticated(verifyAccessToken("not-a-jwt", SECRET), "Invalid access token", "INVALID_TOKEN");
  });

  it("keeps only the platform's roles when it knows them: an unknown role grants nothing", async () => {
    const verify = createTokenVerifier({ kind: "hs256", secret: SECRET }, { roles: ["CUSTOMER", "STAFF"] });
    expect(await verify(await signAccessToken({ id: viewer.id, role: "ROOT" }, SECRET))).toEqual({
      ...viewer,
      roles: [],
    });
    expect(await verify(await signAccessToken(subject, SECRET))).toEqual(viewer);
  });

  it("reads the viewer from an Authorization header", async () => {
    const verify = createTokenVerifier({ kind: "hs256", secret: SECRET });
    expect(await viewerFromAuthorization(undefined, verify)).toBeNull();
    expect(await viewerFromAuthorization(`Bearer ${await signAccessToken(subject, SECRET)}`, verify)).toEqual(viewer);
    await expectUnauthenticated(
      viewerFromAuthorization("Basic dXNlcjpwYXNz", verify),
      "Authorization header must be 'Bearer <token>'",
    );
  });
});

describe("tokens from an identity provider (JWKS)", () => {
  it("verifies RS256 tokens against the provider's keys, with issuer and audience checks", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const { privateKey: strangerKey } = await generateKeyPair("RS256");
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" }] };
    const server = createServer((_req, res) =>
      res.setHeader("content-type", "application/json").end(JSON.stringify(jwks)),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
      const verify = createTokenVerifier({ kind: "jwks", url, issuer: "https://idp.example", audience: "fedplat-api" });
      const token = (claims: { iss: string; aud: string }, signer = privateKey) =>
        new SignJWT({ role: "CUSTOMER" })
          .setProtectedHeader({ alg: "RS256", kid: "k1" })
          .setSubject(viewer.id)
          .setIssuer(claims.iss)
          .setAudience(claims.aud)
          .setExpirationTime("5m")
          .sign(signer);
      expect(await verify(await token({ iss: "https://idp.example", aud: "fedplat-api" }))).toEqual({
        id: viewer.id,
        roles: ["CUSTOMER"],
        scopes: [],
        kind: "user",
      });
      await expectUnauthenticated(
        verify(await token({ iss: "https://evil.example", aud: "fedplat-api" })),
        "Access token from an issuer this gateway does not trust",
        "UNKNOWN_ISSUER",
      );
      await expectUnauthenticated(
        verify(await token({ iss: "https://idp.example", aud: "other" })),
        "Invalid access token",
      );
      await expectUnauthenticated(
        verify(await token({ iss: "https://idp.example", aud: "fedplat-api" }, strangerKey)),
        "Invalid access token",
      );
      // an HS256 token "signed" with the public key must not pass (algorithm confusion)
      const confused = await new SignJWT({ role: "ADMIN" })
        .setProtectedHeader({ alg: "HS256", kid: "k1" })
        .setSubject(viewer.id)
        .setIssuer("https://idp.example")
        .setAudience("fedplat-api")
        .setExpirationTime("5m")
        .sign(new TextEncoder().encode(JSON.stringify(jwks)));
      await expectUnauthenticated(verify(confused), "Invalid access token");
    } finally {
      server.close();
    }
  });
});

describe("claim paths", () => {
  const payload = {
    sub: "u1",
    realm_access: { roles: ["admin", "offline_access"] },
    "https://example.com/roles": ["editor"],
    "https://example.com/org": { "tenant.id": "acme" },
  };

  it("walks dot paths and finds namespaced claims whose names have dots", () => {
    expect(claimAt(payload, "sub")).toBe("u1");
    expect(claimAt(payload, "realm_access.roles")).toEqual(["admin", "offline_access"]);
    expect(claimAt(payload, "https://example.com/roles")).toEqual(["editor"]);
    expect(claimAt(payload, "https://example.com/org.tenant.id")).toBe("acme");
    expect(claimAt(payload, "realm_access.missing")).toBeUndefined();
    expect(claimAt(payload, "sub.length")).toBeUndefined();
    expect(claimAt(payload, "constructor")).toBeUndefined();
  });
});
