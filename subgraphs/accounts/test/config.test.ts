import { LEGACY_KEY_ID } from "@fedplat/auth";
import { TEST_JWT_SECRET, TEST_PII_KEYS } from "@fedplat/devkit";
import { ConfigError } from "@fedplat/runtime";
import { loadAccountsConfig } from "../src";

const base = { PII_ENCRYPTION_KEYS: TEST_PII_KEYS, PII_ACTIVE_KEY_ID: "test1" };
const other = "x".repeat(40);

describe("accounts configuration", () => {
  it("signs with JWT_SECRET, or with JWT_ACTIVE_KEY_ID of JWT_SIGNING_KEYS when those are set", () => {
    const legacy = loadAccountsConfig({ ...base, JWT_SECRET: TEST_JWT_SECRET });
    expect(legacy.tokenSigningKey).toEqual({ id: LEGACY_KEY_ID, secret: TEST_JWT_SECRET });
    expect(legacy).toMatchObject({ apiKeyMaxDays: expect.any(Number), loginMaxFailures: expect.any(Number) });
    const rotated = loadAccountsConfig({
      ...base,
      JWT_SECRET: TEST_JWT_SECRET,
      JWT_SIGNING_KEYS: `k2:${other},k1:${TEST_JWT_SECRET}`,
      JWT_ACTIVE_KEY_ID: "k2",
    });
    expect(rotated.tokenSigningKey).toEqual({ id: "k2", secret: other });
  });

  it("refuses to start unable to sign, or with an inconsistent throttle, naming the variable", () => {
    expect(() => loadAccountsConfig(base)).toThrow(ConfigError);
    expect(() => loadAccountsConfig(base)).toThrow(
      / JWT_SECRET: required \(at least 32 characters\) unless JWT_SIGNING_KEYS/,
    );
    expect(() => loadAccountsConfig({ ...base, JWT_SIGNING_KEYS: `k2:${other}`, JWT_ACTIVE_KEY_ID: "k9" })).toThrow(
      / JWT_ACTIVE_KEY_ID: must name one of JWT_SIGNING_KEYS \(k2\)/,
    );
    expect(() => loadAccountsConfig({ ...base, JWT_SIGNING_KEYS: "k2:short" })).toThrow(
      / JWT_SIGNING_KEYS: key "k2": the secret must be at least 32 characters \(currently: set, hidden/,
    );
    expect(() =>
      loadAccountsConfig({
        ...base,
        JWT_SECRET: TEST_JWT_SECRET,
        LOGIN_MAX_LOCK_SECONDS: "600",
        LOGIN_FORGET_AFTER_SECONDS: "60",
      }),
    ).toThrow(/ LOGIN_FORGET_AFTER_SECONDS: must be at least LOGIN_MAX_LOCK_SECONDS/);
    expect(() => loadAccountsConfig({ JWT_SECRET: TEST_JWT_SECRET })).toThrow(
      / PII_ENCRYPTION_KEYS: .*currently: unset/,
    );
  });
});
