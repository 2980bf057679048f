import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";

/**
 * The Ed25519 keys that sign and verify `x-fedplat-identity`. Asymmetric on purpose: a subgraph
 * holds only public keys, so nothing it holds can mint an identity another subgraph accepts.
 */
export interface SigningKey {
  /** Key id, sent in the token's header so verifiers pick the matching public key. */
  kid: string;
  key: KeyObject;
}

/** Public keys accepted at once, by kid: the current key and, during a rotation, the previous ones. */
export type VerifyKeys = ReadonlyMap<string, KeyObject>;

type Jwk = Record<string, unknown>;

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new Error("must be JSON (an Ed25519 JWK; run `npm run setup` to generate one into .env)");
  }
}

function ed25519Jwk(value: unknown, what: string): Jwk & { kid: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`${what} must be a JWK object`);
  const jwk = value as Jwk;
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519")
    throw new Error(`${what} must be an Ed25519 key (kty "OKP", crv "Ed25519")`);
  if (typeof jwk.kid !== "string" || !/^[\w.-]{1,64}$/.test(jwk.kid))
    throw new Error(`${what} needs a kid (letters, digits, . _ -)`);
  return jwk as Jwk & { kid: string };
}

/** A private Ed25519 JWK with its kid (GATEWAY_SIGNING_KEY, ORDERS_SERVICE_KEY). Throws a message fit for a ConfigError. */
export function parseSigningKey(value: string): SigningKey {
  const jwk = ed25519Jwk(parseJson(value), "the key");
  if (typeof jwk.d !== "string") throw new Error("must be a private key (the JWK has no d)");
  try {
    return { kid: jwk.kid, key: createPrivateKey({ key: jwk, format: "jwk" }) };
  } catch {
    throw new Error("is not a valid Ed25519 private key");
  }
}

/**
 * A JSON array of public Ed25519 JWKs, each with a distinct kid (GATEWAY_VERIFY_KEYS). Private
 * keys are refused: a verifier must never hold what signs.
 */
export function parseVerifyKeys(value: string): VerifyKeys {
  const parsed = parseJson(value);
  const list = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list) || list.length === 0)
    throw new Error("must be a non-empty JSON array of public Ed25519 JWKs");
  const keys = new Map<string, KeyObject>();
  list.forEach((entry, index) => {
    const jwk = ed25519Jwk(entry, `key ${index}`);
    if ("d" in jwk) throw new Error(`key ${jwk.kid} is a private key; list only public keys (drop "d")`);
    if (keys.has(jwk.kid)) throw new Error(`kid ${jwk.kid} is listed twice`);
    try {
      keys.set(jwk.kid, createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: String(jwk.x) }, format: "jwk" }));
    } catch {
      throw new Error(`key ${jwk.kid} is not a valid Ed25519 public key`);
    }
  });
  return keys;
}

/** A fresh key pair as JWK strings: the private one for the signer, a one-key verify list for its verifiers. */
export function generateIdentityKeyPair(kid: string): { signingKey: string; verifyKeys: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    signingKey: JSON.stringify({ ...privateKey.export({ format: "jwk" }), kid }),
    verifyKeys: JSON.stringify([{ ...publicKey.export({ format: "jwk" }), kid }]),
  };
}

/** The verify-key list entry of a signing key (its public half), e.g. to list next to others. */
export function publicJwkOf(signing: SigningKey): Jwk {
  return { ...createPublicKey(signing.key).export({ format: "jwk" }), kid: signing.kid };
}
