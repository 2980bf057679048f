import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type KeyObject,
  sign,
  timingSafeEqual,
  verify,
} from "node:crypto";
import { defineSection, loadConfig } from "@fedplat/runtime";
import { z } from "zod";

/**
 * Event signatures: each producing service signs the events it creates, and every consumer
 * verifies them before a handler runs, so a job written straight into Redis (or added through
 * Bull Board) is never applied unless it carries a signature of the producer it names.
 *
 * Two algorithms, chosen per key (EVENT_SIGNING_KEYS entries name theirs):
 * - `hmac` (HMAC-SHA256), the default `npm run setup` generates: 6.5 µs per signature or check
 *   measured here (loaded 2-core machine). Whoever verifies can also sign. In this platform only
 *   the workers consume, and they write the follow-ups of catalog, orders, payments and
 *   notifications, so they hold those keys whatever the algorithm; what HMAC adds to a compromised
 *   worker is the power to forge accounts' events (user.registered, user.authenticated).
 * - `ed25519`: consumers hold only the public key, so not even the workers can forge that
 *   producer's events. Measured 75 µs to sign and 250 µs to verify here: ~30x HMAC, against a
 *   pipeline budget of ~200 µs of Node CPU per event (bench/results/events.md), so it would take
 *   the events benchmark well below 0.6 of raw BullMQ on the saga's events. Fit for low-volume
 *   producers a deployment wants out of the workers' reach (accounts).
 * Either way keys are per producer and looked up by (producer, kid): one service's key never
 * verifies an event that names another producer.
 */

export type SignatureAlgorithm = "hmac" | "ed25519";

/** The signature an envelope carries: the key id (its producer's) and the signature, base64url. */
export interface EventSignature {
  kid: string;
  sig: string;
}

/** One key of a producer, to sign with or to verify with. */
export interface SigningKey {
  producer: string;
  kid: string;
  algorithm: SignatureAlgorithm;
  /** A secret key (hmac: a KeyObject saves ~1.5 µs per HMAC over a Buffer), or a private/public Ed25519 key. */
  key: KeyObject;
}

/** What a process signs and verifies with; build it with eventKeyringFrom (or eventKeyringOf). */
export interface EventKeyring {
  /** The key each producer this process writes events for signs with (one per producer). */
  signing: ReadonlyMap<string, SigningKey>;
  /** Keys that verify, by `${producer}/${kid}`: the current and the rotated-but-still-listed ones. */
  verifying: ReadonlyMap<string, SigningKey>;
  /** "warn" accepts UNSIGNED events (with a warning), for events written before signing; a wrong signature is refused either way. */
  mode: "enforce" | "warn";
}

/** Thrown for an event whose signature is missing, unknown or wrong; it is never applied. */
export class EventSignatureError extends Error {
  override name = "EventSignatureError";
}

const KEY_ENTRY = /^([a-z][\w-]*):([\w.-]{1,64}):(hmac|ed25519):([A-Za-z0-9+/=_-]+)$/;

/** Parses "producer:kid:algorithm:base64,..." of `variable`; each problem names the variable. */
function parseKeyList(variable: string, value: string | undefined, kind: "private" | "public"): SigningKey[] {
  const entries = (value ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries.map((entry, i) => {
    const match = KEY_ENTRY.exec(entry);
    if (!match)
      throw new Error(
        `${variable}: entry ${i + 1} must be producer:kid:hmac|ed25519:base64 (run \`npm run setup\` to generate keys into .env)`,
      );
    const [, producer, kid, algorithm, material] = match as unknown as [
      string,
      string,
      string,
      SignatureAlgorithm,
      string,
    ];
    const der = Buffer.from(material, "base64");
    try {
      if (algorithm === "hmac") {
        if (der.length < 32) throw new Error("an hmac key must be at least 32 bytes");
        return { producer, kid, algorithm, key: createSecretKey(der) };
      }
      const key =
        kind === "private"
          ? createPrivateKey({ key: der, format: "der", type: "pkcs8" })
          : createPublicKey({ key: der, format: "der", type: "spki" });
      if (key.asymmetricKeyType !== "ed25519") throw new Error("not an Ed25519 key");
      return { producer, kid, algorithm, key };
    } catch (error) {
      throw new Error(`${variable}: key ${producer}:${kid}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}

/**
 * Event signing keys of a process: the producers it writes events for (one signing key each) and
 * the keys it accepts from others. See docs/security.md (event signatures).
 */
export const eventSigningSection = defineSection({
  path: "events.signing",
  schema: z.object({
    signingKeys: z
      .string()
      .optional()
      .describe(
        "This process's signing keys, producer:kid:hmac|ed25519:base64 (PKCS#8 DER for ed25519), comma-separated, one per producer; generated into .env by `npm run setup`",
      ),
    verifyKeys: z
      .string()
      .optional()
      .describe(
        "Further verification keys, producer:kid:hmac|ed25519:base64 (SPKI DER for ed25519); rotated keys stay listed until their events are gone",
      ),
    signatures: z
      .enum(["enforce", "warn"])
      .default("enforce")
      .describe(
        "enforce: unsigned events are dead-lettered; warn: accepted with a warning, only while events from before signing drain",
      ),
  }),
  env: {
    names: { signingKeys: "EVENT_SIGNING_KEYS", verifyKeys: "EVENT_VERIFY_KEYS", signatures: "EVENT_SIGNATURES" },
  },
  secrets: ["signingKeys"],
});

export type EventSigningConfig = z.infer<typeof eventSigningSection.schema>;

/** The keyring of loaded settings; each problem with a key names its variable. */
export function eventKeyringFrom(settings: EventSigningConfig): EventKeyring {
  const signing = new Map<string, SigningKey>();
  const verifying = new Map<string, SigningKey>();
  for (const key of parseKeyList("EVENT_SIGNING_KEYS", settings.signingKeys, "private")) {
    if (signing.has(key.producer))
      throw new Error(
        `EVENT_SIGNING_KEYS: ${key.producer} has two signing keys (keep one; list retired ones in EVENT_VERIFY_KEYS)`,
      );
    signing.set(key.producer, key);
    // A process trusts the events it signs itself (the workers consume their own follow-ups).
    verifying.set(
      `${key.producer}/${key.kid}`,
      key.algorithm === "hmac" ? key : { ...key, key: createPublicKey(key.key) },
    );
  }
  for (const key of parseKeyList("EVENT_VERIFY_KEYS", settings.verifyKeys, "public"))
    verifying.set(`${key.producer}/${key.kid}`, key);
  return { signing, verifying, mode: settings.signatures };
}

/** The keyring of variables given as an environment (EVENT_SIGNING_KEYS...: tests, tools), loaded as a process would. */
export function eventKeyringOf(env: {
  EVENT_SIGNING_KEYS?: string;
  EVENT_VERIFY_KEYS?: string;
  EVENT_SIGNATURES?: string;
}): EventKeyring {
  return eventKeyringFrom(loadConfig({ signing: eventSigningSection }, { env, file: false }).signing);
}

/** This process's keyring, from its configuration (file and environment). */
const configuredKeyring = () => eventKeyringFrom(loadConfig({ signing: eventSigningSection }).signing);

let installed: EventKeyring | undefined;

/** Sets this process's keyring (at start, from its validated configuration). */
export function installEventKeyring(keyring: EventKeyring): void {
  installed = keyring;
}

/** The installed keyring; until one is installed, the configured one (loaded once). */
export function eventKeyring(): EventKeyring {
  installed ??= configuredKeyring();
  return installed;
}

/** The fields a signature covers. Not traceparent: the outbox rewrites it (telemetry only, nothing acts on it). */
interface Signed {
  eventId: string;
  type: string;
  version: number;
  occurredAt: string;
  producer: string;
  correlationId: string;
  causationId?: string;
  data: unknown;
}

/**
 * JSON with object keys sorted, at every depth: jsonb in the outbox does not keep the producer's key
 * order. Built by appending to one string (no array of parts per object): it runs twice per event,
 * to sign and to verify. Its output must never change, or events signed before would not verify
 * (signing.test.ts pins it).
 */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = "{";
  for (const key of Object.keys(record).sort()) {
    const field = record[key];
    if (field === undefined) continue;
    out += `${out.length === 1 ? "" : ","}${JSON.stringify(key)}:${canonicalJson(field)}`;
  }
  return `${out}}`;
}

/** The text signed (UTF-8): the envelope's fields in a fixed order, then its data canonically. */
export function signedTextOf(event: Signed): string {
  const head = JSON.stringify([
    event.eventId,
    event.type,
    event.version,
    event.occurredAt,
    event.producer,
    event.correlationId,
    event.causationId ?? null,
  ]);
  return `${head}\n${canonicalJson(event.data)}`;
}

// HMAC takes the string as it is (~2 µs less than a Buffer of it, measured).
function signatureOf(key: SigningKey, text: string): Buffer {
  return key.algorithm === "hmac"
    ? createHmac("sha256", key.key).update(text).digest()
    : sign(null, Buffer.from(text), key.key);
}

/** The signature of `event` by its producer's key; throws when this process holds no key for that producer. */
export function signEvent(event: Signed, keyring: EventKeyring = eventKeyring()): EventSignature {
  const key = keyring.signing.get(event.producer);
  if (!key)
    throw new EventSignatureError(
      `no signing key for producer ${event.producer}: this process cannot write its events (EVENT_SIGNING_KEYS)`,
    );
  return { kid: key.kid, sig: signatureOf(key, signedTextOf(event)).toString("base64url") };
}

function hmacMatches(key: SigningKey, text: string, sig: Buffer): boolean {
  const expected = signatureOf(key, text);
  return sig.length === expected.length && timingSafeEqual(sig, expected);
}

/**
 * Checks `event`'s signature; throws EventSignatureError naming why. Returns "unsigned" for an
 * event without a signature in warn mode (the caller logs it), "valid" otherwise.
 */
export function verifyEvent(
  event: Signed & { signature?: EventSignature },
  keyring: EventKeyring = eventKeyring(),
): "valid" | "unsigned" {
  const { signature } = event;
  if (!signature) {
    if (keyring.mode === "warn") return "unsigned";
    throw new EventSignatureError("event signature invalid: the event is not signed");
  }
  const key = keyring.verifying.get(`${event.producer}/${signature.kid}`);
  if (!key)
    throw new EventSignatureError(
      `event signature invalid: unknown key ${signature.kid} for producer ${event.producer}`,
    );
  const text = signedTextOf(event);
  const sig = Buffer.from(signature.sig, "base64url");
  const valid = key.algorithm === "hmac" ? hmacMatches(key, text, sig) : verify(null, Buffer.from(text), key.key, sig);
  if (!valid)
    throw new EventSignatureError(
      `event signature invalid: the signature of key ${signature.kid} does not match the event`,
    );
  return "valid";
}

/**
 * At a service's start: installs the configured keyring (EVENT_SIGNING_KEYS...; `env` in tests)
 * and checks it signs as `producer`, so a missing key stops the start instead of failing its first event.
 */
export function requireSigningKey(producer: string, env?: NodeJS.ProcessEnv): EventKeyring {
  const keyring = env ? eventKeyringOf(env) : configuredKeyring();
  if (!keyring.signing.has(producer))
    throw new Error(
      `EVENT_SIGNING_KEYS: no signing key for ${producer}, which writes events (run \`npm run setup\` locally)`,
    );
  installEventKeyring(keyring);
  return keyring;
}
