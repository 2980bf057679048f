import { createHash, randomBytes } from "node:crypto";
import type { ApiKey } from "../generated/prisma/client";

export interface ApiKeyCreatedModel {
  apiKey: ApiKey;
  key: string;
}

const KEY_PREFIX = "fpk_";

/** A new key: 32 random bytes, recognisable by its prefix (secret scanners can match on it). */
export function generateApiKey(): { key: string; prefix: string; keyHash: string } {
  const key = `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { key, prefix: key.slice(0, 10), keyHash: hashApiKey(key) };
}

/** Only this hash is stored; a fast hash is right here because the key has 256 bits of entropy. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function looksLikeApiKey(key: string): boolean {
  return key.startsWith(KEY_PREFIX) && key.length < 100;
}
