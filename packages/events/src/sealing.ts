import { ConfigError, createFieldCipher, defineSection, type FieldCipher, loadConfig } from "@fedplat/runtime";
import { z } from "zod";

/**
 * Personal fields of event data (each event type lists its own in schemas.ts) are sealed by the
 * producer with AES-256-GCM (@fedplat/runtime's field cipher) before the event is signed, so the
 * outbox row, the Redis job and a dead letter hold ciphertext only, and the signature covers the
 * sealed form (verifying needs no key). Only a handler that needs a field opens it. The
 * associated data is the event id and the field name: a sealed email cannot be moved into another
 * event, or into the name field, and still open.
 */

/** A sealed value as the field cipher writes it: `v1.<kid>.<iv>.<tag>.<ciphertext>`, base64url parts. */
const SEALED_PATTERN = /^v1\.[\w-]{1,32}\.[\w-]{16}\.[\w-]{22}\.[\w-]*$/;
export const SEALED_VALUE = z.string().regex(SEALED_PATTERN, "not a sealed value");

// The pattern itself, not SEALED_VALUE.safeParse: a consumer asks this per personal field of every event.
export const isSealed = (value: unknown): value is string => typeof value === "string" && SEALED_PATTERN.test(value);

/**
 * The schema of event data on the wire: each personal field is a sealed value, or (in events
 * written before sealing, still in outboxes, queues and dead letters) the plain value.
 */
export function sealedOnTheWire(schema: z.ZodType, fields: readonly string[]): z.ZodType {
  if (fields.length === 0 || !(schema instanceof z.ZodObject)) return schema;
  const shape = schema.shape as Record<string, z.ZodType>;
  return schema.extend(
    Object.fromEntries(fields.map((field) => [field, z.union([SEALED_VALUE, shape[field] ?? z.never()])])),
  );
}

const contextOf = (eventId: string, field: string) => `event:${eventId}:${field}`;

/** `data` with each of `fields` sealed for event `eventId`. */
export function sealFields(
  data: Record<string, unknown>,
  fields: readonly string[],
  eventId: string,
  cipher: FieldCipher,
): Record<string, unknown> {
  const sealed = { ...data };
  for (const field of fields) {
    const value = sealed[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") throw new Error(`personal field ${field} must be a string to be sealed`);
    sealed[field] = cipher.encrypt(value, contextOf(eventId, field));
  }
  return sealed;
}

/** Thrown when a personal field does not open: a key missing from EVENT_PII_KEYS, or a value not sealed for this event and field. */
export class PersonalDataError extends Error {
  override name = "PersonalDataError";
}

/** `data` with each of `fields` opened; a plain value (an event from before sealing) is kept as it is. Errors never carry the value. */
export function openFields(
  data: Record<string, unknown>,
  fields: readonly string[],
  eventId: string,
  cipher: FieldCipher,
): Record<string, unknown> {
  const opened = { ...data };
  for (const field of fields) {
    const value = opened[field];
    if (!isSealed(value)) continue;
    try {
      opened[field] = cipher.decrypt(value, contextOf(eventId, field));
    } catch {
      const kid = value.split(".")[1];
      throw new PersonalDataError(
        `cannot open personal field ${field} of event ${eventId}: key ${kid} is not in EVENT_PII_KEYS, or the value was not sealed for this event and field`,
      );
    }
  }
  return opened;
}

/** The keys that seal and open personal fields of events (see docs/security.md). */
export const eventPiiSection = defineSection({
  path: "events.pii",
  schema: z.object({
    keys: z
      .string()
      .optional()
      .describe(
        "Keys that seal and open personal fields of events, kid:<base64 of 32 random bytes>, comma-separated; retired keys stay listed while their events may still be read. Required where such events are written or opened",
      ),
    activeKeyId: z.string().optional().describe("Which of the keys seals new events"),
  }),
  env: { names: { keys: "EVENT_PII_KEYS", activeKeyId: "EVENT_PII_ACTIVE_KEY_ID" } },
  secrets: ["keys"],
});

export type EventPiiConfig = z.infer<typeof eventPiiSection.schema>;

/** The cipher of loaded settings; a ConfigError naming the variable (never its value) when they are missing or malformed. */
export function eventPiiCipherFrom(settings: EventPiiConfig): FieldCipher {
  if (!settings.keys?.trim())
    throw new ConfigError(
      "Invalid configuration:\n  EVENT_PII_KEYS: required where events with personal fields are written or opened (run `npm run setup` to generate one into .env)",
    );
  return createFieldCipher(settings.keys, settings.activeKeyId ?? "", {
    keys: "EVENT_PII_KEYS",
    activeKeyId: "EVENT_PII_ACTIVE_KEY_ID",
  });
}

/** The cipher of variables given as an environment (EVENT_PII_KEYS...: tests, tools), loaded as a process would. */
export function eventPiiCipherOf(env: { EVENT_PII_KEYS?: string; EVENT_PII_ACTIVE_KEY_ID?: string }): FieldCipher {
  return eventPiiCipherFrom(loadConfig({ pii: eventPiiSection }, { env, file: false }).pii);
}

const configuredCipher = () => eventPiiCipherFrom(loadConfig({ pii: eventPiiSection }).pii);

let installed: FieldCipher | undefined;

/** Sets this process's event cipher (at start, from its validated configuration). */
export function installEventPiiCipher(cipher: FieldCipher): void {
  installed = cipher;
}

/** The installed cipher; until one is installed, the configured one (loaded once, on first use). */
export function eventPiiCipher(): FieldCipher {
  installed ??= configuredCipher();
  return installed;
}

/** At a service's start: validates and installs EVENT_PII_KEYS (`env` in tests), so a bad key stops the start instead of failing an event. */
export function requireEventPiiCipher(env?: NodeJS.ProcessEnv): FieldCipher {
  const cipher = env ? eventPiiCipherOf(env) : configuredCipher();
  installEventPiiCipher(cipher);
  return cipher;
}
