import { TEST_IDENTITY_ENV } from "@fedplat/devkit";
import { loadGatewayConfig } from "../src";

const SECRET = { JWT_SECRET: "x".repeat(32), GATEWAY_SIGNING_KEY: TEST_IDENTITY_ENV.GATEWAY_SIGNING_KEY ?? "" };

describe("CORS configuration", () => {
  it("defaults to no origins configured (any in development, none in production), GET and POST, 10 minutes", () => {
    expect(loadGatewayConfig(SECRET).cors).toEqual({
      credentials: false,
      methods: ["GET", "POST"],
      maxAgeSeconds: 600,
    });
  });

  it("reads origins, credentials, methods, headers and max age from CORS_*", () => {
    expect(
      loadGatewayConfig({
        ...SECRET,
        CORS_ORIGINS: "https://shop.example.com, https://*.example.org,/^https:\\/\\/pr-\\d+\\.preview\\.dev$/",
        CORS_CREDENTIALS: "true",
        CORS_METHODS: "POST",
        CORS_ALLOWED_HEADERS: "content-type,authorization",
        CORS_MAX_AGE_SECONDS: "60",
      }).cors,
    ).toEqual({
      origins: ["https://shop.example.com", "https://*.example.org", "/^https:\\/\\/pr-\\d+\\.preview\\.dev$/"],
      credentials: true,
      methods: ["POST"],
      allowedHeaders: ["content-type", "authorization"],
      maxAgeSeconds: 60,
    });
  });

  it("refuses an entry that is not an origin, and any origin with credentials", () => {
    expect(() => loadGatewayConfig({ ...SECRET, CORS_ORIGINS: "https://shop.example.com/path" })).toThrow(
      /CORS_ORIGINS: "https:\/\/shop.example.com\/path" is not an origin/,
    );
    expect(() => loadGatewayConfig({ ...SECRET, CORS_ORIGINS: "https://*evil.com" })).toThrow(
      /CORS_ORIGINS: "https:\/\/\*evil.com": a wildcard origin is/,
    );
    expect(() => loadGatewayConfig({ ...SECRET, CORS_ORIGINS: "*", CORS_CREDENTIALS: "true" })).toThrow(
      /CORS_CREDENTIALS: not with origins "\*"/,
    );
  });
});
