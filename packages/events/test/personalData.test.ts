import { ConfigError } from "@fedplat/runtime";
import { TEST_EVENT_KEYS, TEST_ROTATED_EVENT_PII_KEY } from "@fedplat/devkit";
import {
  createEvent,
  type Envelope,
  eventKeyringOf,
  eventPiiCipherOf,
  InvalidEventError,
  installEventPiiCipher,
  isSealed,
  openPersonalData,
  PERSONAL_FIELDS,
  parseEnvelope,
  PersonalDataError,
  signEvent,
  verifyEvent,
} from "../src";

const userId = "4c1f9a8e-1c3b-4c8e-8f2a-9b7d6e5c4b3a";
const keyring = eventKeyringOf(TEST_EVENT_KEYS);
const cipher = eventPiiCipherOf(TEST_EVENT_KEYS);
const registered = () =>
  createEvent("user.registered", { userId, email: "ada@example.com", name: "Ada Lovelace" }, { producer: "accounts" });

describe("personal fields of events", () => {
  afterEach(() => installEventPiiCipher(cipher));

  it("are declared per event type next to its schema", () => {
    expect(PERSONAL_FIELDS).toEqual({ "user.registered": ["email", "name"] });
  });

  it("are sealed by the producer: the envelope holds no plaintext, and its signature verifies without the key", () => {
    const event = registered();
    const wire = JSON.stringify(event);
    expect(wire).not.toContain("ada@example.com");
    expect(wire).not.toContain("Ada Lovelace");
    expect(isSealed(event.data.email) && isSealed(event.data.name)).toBe(true);
    expect(event.data.email.startsWith("v1.evp-1.")).toBe(true);
    expect(event.data.userId).toBe(userId); // ids stay readable: routing, idempotency and dead letters need them
    expect(verifyEvent(parseEnvelope(JSON.parse(wire)), keyring)).toBe("valid");
  });

  it("open only in the handler that asks, to the plain values", () => {
    const event = parseEnvelope(JSON.parse(JSON.stringify(registered()))) as Envelope<"user.registered">;
    expect(openPersonalData(event, cipher)).toEqual({ userId, email: "ada@example.com", name: "Ada Lovelace" });
  });

  it("do not open when moved to another field or another event (the event id and field name are bound in)", () => {
    const event = registered();
    const swapped = { ...event, data: { ...event.data, email: event.data.name, name: event.data.email } };
    expect(() => openPersonalData(swapped, cipher)).toThrow(PersonalDataError);
    const other = registered();
    const moved = { ...other, data: { ...other.data, email: event.data.email } };
    expect(() => openPersonalData(moved, cipher)).toThrow(/cannot open personal field email of event/);
    // ...and the error names the field and key, never the value.
    try {
      openPersonalData(moved, cipher);
    } catch (error) {
      expect(String(error)).not.toContain(event.data.email);
    }
  });

  it("accepts an event written before sealing (plain fields), so a deploy needs no drain", () => {
    const sealed = registered();
    const plain = { ...sealed, data: { userId, email: "old@example.com", name: "Old Timer" }, signature: undefined };
    const legacy = { ...plain, signature: signEvent(plain, keyring) };
    const event = parseEnvelope(JSON.parse(JSON.stringify(legacy))) as Envelope<"user.registered">;
    expect(verifyEvent(event, keyring)).toBe("valid");
    expect(openPersonalData(event, cipher)).toEqual({ userId, email: "old@example.com", name: "Old Timer" });
  });

  it("validates the sealed shape on the wire and the plain shape once opened", () => {
    const event = registered();
    expect(() => parseEnvelope({ ...event, data: { ...event.data, email: 42 } })).toThrow(
      /invalid user.registered data: email/,
    );
    // @ts-expect-error: a producer must give the plain shape
    expect(() => createEvent("user.registered", { userId, email: 42, name: "A" }, { producer: "accounts" })).toThrow(
      InvalidEventError,
    );
    expect(() =>
      createEvent("user.registered", { userId, email: 42, name: "A" } as never, { producer: "accounts" }),
    ).toThrow(/invalid user.registered data: email: invalid_type/);
  });

  it("rotate by key id: events sealed with a retired key still open once a new key is active", () => {
    installEventPiiCipher(
      eventPiiCipherOf({ EVENT_PII_KEYS: TEST_ROTATED_EVENT_PII_KEY, EVENT_PII_ACTIVE_KEY_ID: "evp-0" }),
    );
    const old = registered();
    expect(old.data.email.startsWith("v1.evp-0.")).toBe(true);
    expect(openPersonalData(old, cipher).email).toBe("ada@example.com"); // cipher: evp-1 active, evp-0 still listed
    const retiredOnly = eventPiiCipherOf({
      EVENT_PII_KEYS: TEST_ROTATED_EVENT_PII_KEY,
      EVENT_PII_ACTIVE_KEY_ID: "evp-0",
    });
    installEventPiiCipher(cipher);
    expect(() => openPersonalData(registered(), retiredOnly)).toThrow(/key evp-1 is not in EVENT_PII_KEYS/);
  });

  it("refuse a missing or malformed key at start, naming the variable and never the value", () => {
    expect(() => eventPiiCipherOf({})).toThrow(ConfigError);
    expect(() => eventPiiCipherOf({})).toThrow(/EVENT_PII_KEYS: required/);
    const secretLooking = "k1:c2VjcmV0LW1hdGVyaWFs";
    expect(() => eventPiiCipherOf({ EVENT_PII_KEYS: secretLooking, EVENT_PII_ACTIVE_KEY_ID: "k1" })).toThrow(
      /EVENT_PII_KEYS: each entry must be <key id>:<base64 of 32 random bytes>/,
    );
    try {
      eventPiiCipherOf({ EVENT_PII_KEYS: secretLooking, EVENT_PII_ACTIVE_KEY_ID: "k1" });
    } catch (error) {
      expect(String(error)).not.toContain("c2VjcmV0LW1hdGVyaWFs");
    }
    expect(() =>
      eventPiiCipherOf({ EVENT_PII_KEYS: TEST_EVENT_KEYS.EVENT_PII_KEYS, EVENT_PII_ACTIVE_KEY_ID: "evp-9" }),
    ).toThrow(/EVENT_PII_ACTIVE_KEY_ID: must name one of the keys in EVENT_PII_KEYS \(evp-1, evp-0\)/);
  });
});
