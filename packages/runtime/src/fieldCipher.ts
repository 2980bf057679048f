import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from "node:crypto";
import { ConfigError } from "./config";
import { createRandomPool } from "./randomPool";

/**
 * Encrypts personal fields at rest with AES-256-GCM. Each value records the id of the key that
 * sealed it, so keys rotate: add a new key, make it active, and old values still decrypt.
 * The associated data binds a ciphertext to its row and field, so one user's sealed phone
 * cannot be copied into another user's row (or into the address column) and still decrypt.
 */
export interface FieldCipher {
  encrypt(plaintext: string, context: string): string;
  decrypt(sealed: string, context: string): string;
  /** The key id new values are sealed with. */
  activeKeyId: string;
}

const VERSION = "v1";

/** The IVs of every cipher of this process: 12 bytes each (GCM's own size), from one pool (randomPool.ts). */
const ivs = createRandomPool();

/** The environment variables a cipher's keys come from: its errors name them, never their values. */
export interface FieldCipherVariables {
  /** @default "PII_ENCRYPTION_KEYS" */
  keys: string;
  /** @default "PII_ACTIVE_KEY_ID" */
  activeKeyId: string;
}

/**
 * Parses `kid1:<base64 32 bytes>,kid2:<...>` (PII_ENCRYPTION_KEYS) into keys; the active key
 * (PII_ACTIVE_KEY_ID) must be among them. Accounts seals phone numbers and addresses with one,
 * event producers seal the personal fields of events with another (EVENT_PII_KEYS).
 */
export function createFieldCipher(
  keyList: string,
  activeKeyId: string,
  variables: FieldCipherVariables = { keys: "PII_ENCRYPTION_KEYS", activeKeyId: "PII_ACTIVE_KEY_ID" },
): FieldCipher {
  // KeyObjects, not Buffers: a cipher made from a raw key imports it again, for every field that
  // is sealed or opened (every event consumer opens the fields it reads).
  const keys = new Map<string, KeyObject>();
  for (const entry of keyList
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [kid, material] = entry.split(":");
    const key = Buffer.from(material ?? "", "base64");
    if (!kid || !/^[\w-]{1,32}$/.test(kid) || key.length !== 32) {
      throw new ConfigError(
        `Invalid configuration:\n  ${variables.keys}: each entry must be <key id>:<base64 of 32 random bytes>`,
      );
    }
    keys.set(kid, createSecretKey(key));
  }
  const active = keys.get(activeKeyId);
  if (!active)
    throw new ConfigError(
      `Invalid configuration:\n  ${variables.activeKeyId}: must name one of the keys in ${variables.keys} (${[...keys.keys()].join(", ") || "none"})`,
    );

  return {
    activeKeyId,
    encrypt(plaintext, context) {
      const iv = ivs.take(12);
      const cipher = createCipheriv("aes-256-gcm", active, iv);
      cipher.setAAD(Buffer.from(context, "utf8"));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return [
        VERSION,
        activeKeyId,
        iv.toString("base64url"),
        cipher.getAuthTag().toString("base64url"),
        ciphertext.toString("base64url"),
      ].join(".");
    },
    decrypt(sealed, context) {
      const [version, kid, iv, tag, ciphertext] = sealed.split(".");
      const key = kid ? keys.get(kid) : undefined;
      if (version !== VERSION || !key || !iv || !tag || ciphertext === undefined)
        throw new Error(`cannot decrypt: unknown format or key id "${kid ?? ""}"`);
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
    },
  };
}
