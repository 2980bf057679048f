import { SignJWT } from "jose";
import { signAccessToken, verifyAccessToken, viewerFromAuthorization } from "../src";

const SECRET = "unit-test-secret-0123456789abcdef0123456789";
const key = new TextEncoder().encode(SECRET);
const viewer = { id: "7f1c1f37-9f5e-4a52-8d0b-1d1f2d9a5c11", role: "STAFF" as const, kind: "user" as const };

async function expectUnauthenticated(promise: Promise<unknown>, message: string) {
  await expect(promise).rejects.toMatchObject({ message, extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });
}

describe("access tokens", () => {
  it("round-trips a viewer", async () => {
    expect(await verifyAccessToken(await signAccessToken(viewer, SECRET), SECRET)).toEqual(viewer);
  });

  it("rejects a token signed with another secret", async () => {
    await expectUnauthenticated(verifyAccessToken(await signAccessToken(viewer, `${SECRET}x`), SECRET), "Invalid access token");
  });

  it("rejects an expired token", async () => {
    const expired = await new SignJWT({ role: "STAFF" }).setProtectedHeader({ alg: "HS256" }).setSubject(viewer.id).setIssuer("fedplat-accounts").setAudience("fedplat").setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(key);
    await expectUnauthenticated(verifyAccessToken(expired, SECRET), "Access token expired");
  });

  it("rejects alg none, wrong issuer, wrong audience and an unknown role", async () => {
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    const body = Buffer.from(JSON.stringify({ sub: viewer.id, role: "ADMIN", iss: "fedplat-accounts", aud: "fedplat", exp: Math.floor(Date.now() / 1000) + 60 })).toString("base64url");
    await expectUnauthenticated(verifyAccessToken(`${header}.${body}.`, SECRET), "Invalid access token");
    const base = () => new SignJWT({ role: "STAFF" }).setProtectedHeader({ alg: "HS256" }).setSubject(viewer.id).setExpirationTime("1m");
    await expectUnauthenticated(verifyAccessToken(await base().setIssuer("evil").setAudience("fedplat").sign(key), SECRET), "Invalid access token");
    await expectUnauthenticated(verifyAccessToken(await base().setIssuer("fedplat-accounts").setAudience("other").sign(key), SECRET), "Invalid access token");
    const godRole = await new SignJWT({ role: "ROOT" }).setProtectedHeader({ alg: "HS256" }).setSubject(viewer.id).setIssuer("fedplat-accounts").setAudience("fedplat").setExpirationTime("1m").sign(key);
    await expectUnauthenticated(verifyAccessToken(godRole, SECRET), "Invalid access token");
  });

  it("reads the viewer from an Authorization header", async () => {
    expect(await viewerFromAuthorization(undefined, SECRET)).toBeNull();
    expect(await viewerFromAuthorization(`Bearer ${await signAccessToken(viewer, SECRET)}`, SECRET)).toEqual(viewer);
    await expectUnauthenticated(viewerFromAuthorization("Basic dXNlcjpwYXNz", SECRET), "Authorization header must be 'Bearer <token>'");
  });
});
