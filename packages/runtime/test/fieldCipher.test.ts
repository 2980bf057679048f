import { randomBytes } from "node:crypto";
import { ConfigError, createFieldCipher } from "../src";

const k1 = randomBytes(32).toString("base64");
const k2 = randomBytes(32).toString("base64");

describe("field encryption (AES-256-GCM)", () => {
  it("round-trips, never stores the plaintext, and uses a fresh IV each time", () => {
    const cipher = createFieldCipher(`k1:${k1}`, "k1");
    const a = cipher.encrypt("+49 30 1234567", "user-1:phone");
    const b = cipher.encrypt("+49 30 1234567", "user-1:phone");
    expect(a).not.toContain("1234567");
    expect(a).not.toBe(b);
    expect(a.startsWith("v1.k1.")).toBe(true);
    expect(cipher.decrypt(a, "user-1:phone")).toBe("+49 30 1234567");
  });

  it("refuses a value moved to another row or field, or tampered with", () => {
    const cipher = createFieldCipher(`k1:${k1}`, "k1");
    const sealed = cipher.encrypt("Main St 1", "user-1:address");
    expect(() => cipher.decrypt(sealed, "user-2:address")).toThrow();
    expect(() => cipher.decrypt(sealed, "user-1:phone")).toThrow();
    const parts = sealed.split(".");
    parts[4] = Buffer.from("evil").toString("base64url");
    expect(() => cipher.decrypt(parts.join("."), "user-1:address")).toThrow();
  });

  it("rotates: values sealed with an old key still decrypt after a new key becomes active", () => {
    const old = createFieldCipher(`k1:${k1}`, "k1").encrypt("secret", "ctx");
    const rotated = createFieldCipher(`k1:${k1},k2:${k2}`, "k2");
    expect(rotated.decrypt(old, "ctx")).toBe("secret");
    expect(rotated.encrypt("secret", "ctx").startsWith("v1.k2.")).toBe(true);
  });

  it("names the variable when the key configuration is wrong", () => {
    expect(() => createFieldCipher("k1:short", "k1")).toThrow(ConfigError);
    expect(() => createFieldCipher("k1:short", "k1")).toThrow(/PII_ENCRYPTION_KEYS/);
    expect(() => createFieldCipher(`k1:${k1}`, "k9")).toThrow(
      /PII_ACTIVE_KEY_ID: must name one of the keys in PII_ENCRYPTION_KEYS \(k1\)/,
    );
  });
});
