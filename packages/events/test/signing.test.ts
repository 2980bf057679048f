import { TEST_EVENT_KEYS, TEST_ROTATED_EVENT_KEYS } from "@fedplat/devkit";
import {
  createEvent,
  EventSignatureError,
  eventKeyringOf,
  parseEnvelope,
  signEvent,
  signedTextOf,
  verifyEvent,
} from "../src";

const userId = "4c1f9a8e-1c3b-4c8e-8f2a-9b7d6e5c4b3a";
const keyring = eventKeyringOf(TEST_EVENT_KEYS);
const registered = () =>
  createEvent("user.registered", { userId, email: "ada@example.com", name: "Ada" }, { producer: "accounts" });

describe("event signatures", () => {
  it("signs each new event with its producer's key, and the signature survives a trip through jsonb and the relay", () => {
    const event = registered();
    expect(event.signature).toEqual({ kid: "acc-1", sig: expect.stringMatching(/^[\w-]{43}$/) }); // HMAC-SHA256: 32 bytes
    // jsonb does not keep key order; the outbox rewrites traceparent (not signed).
    const reordered = {
      ...event,
      data: { name: event.data.name, email: event.data.email, userId },
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    };
    expect(verifyEvent(parseEnvelope(JSON.parse(JSON.stringify(reordered))), keyring)).toBe("valid");
    const cancelled = createEvent(
      "order.cancelled",
      { orderId: userId, customerId: userId, reason: "x" },
      { producer: "orders" },
    );
    expect(cancelled.signature?.kid).toBe("ord-1");
    expect(verifyEvent(cancelled, keyring)).toBe("valid");
  });

  it("signs the same text as ever: keys sorted at every depth, undefined fields left out, arrays kept in order", () => {
    // Events signed by earlier releases wait in outboxes, queues and dead letters: this text must never change.
    const text = signedTextOf({
      eventId: userId,
      type: "order.placed",
      version: 1,
      occurredAt: "2026-12-07T00:00:00.000Z",
      producer: "orders",
      correlationId: userId,
      data: { z: [2, { b: 1, a: 'é"' }, null], a: { y: undefined, x: true }, m: 1.5 },
    });
    expect(text).toBe(
      `["${userId}","order.placed",1,"2026-12-07T00:00:00.000Z","orders","${userId}",null]\n{"a":{"x":true},"m":1.5,"z":[2,{"a":"é\\"","b":1},null]}`,
    );
  });

  it("does not sign an event no service consumes: it is written settled and never published", () => {
    const sent = createEvent(
      "notification.sent",
      { notificationId: userId, userId, template: "welcome", channel: "EMAIL" },
      { producer: "notifications" },
    );
    expect(sent.signature).toBeUndefined();
  });

  it("refuses an altered field, another producer's name, an unknown kid, and a missing signature", () => {
    const event = registered();
    expect(() => verifyEvent({ ...event, data: { ...event.data, email: "eve@example.com" } }, keyring)).toThrow(
      /event signature invalid: the signature of key acc-1 does not match/,
    );
    expect(() => verifyEvent({ ...event, occurredAt: new Date(0).toISOString() }, keyring)).toThrow(/does not match/);
    expect(() => verifyEvent({ ...event, producer: "orders" }, keyring)).toThrow(
      /unknown key acc-1 for producer orders/,
    );
    expect(() => verifyEvent({ ...event, signature: { kid: "acc-7", sig: event.signature!.sig } }, keyring)).toThrow(
      /unknown key acc-7/,
    );
    const { signature: _, ...unsigned } = event;
    expect(() => verifyEvent(unsigned, keyring)).toThrow(EventSignatureError);
  });

  it("verifies a rotated Ed25519 key while it is listed, with the public key only", () => {
    const event = registered();
    const rotated = {
      ...event,
      signature: signEvent(event, eventKeyringOf({ EVENT_SIGNING_KEYS: TEST_ROTATED_EVENT_KEYS.accounts })),
    };
    const verifier = eventKeyringOf({ EVENT_VERIFY_KEYS: TEST_EVENT_KEYS.EVENT_VERIFY_KEYS });
    expect(rotated.signature).toEqual({ kid: "acc-0", sig: expect.stringMatching(/^[\w-]{86}$/) }); // Ed25519: 64 bytes
    expect(verifyEvent(rotated, verifier)).toBe("valid");
    expect(verifier.signing.size).toBe(0); // a verifier of accounts' events cannot sign them
    expect(() => signEvent(event, verifier)).toThrow(/no signing key for producer accounts/);
  });

  it("accepts unsigned events only in warn mode, and never a wrong signature", () => {
    const warn = eventKeyringOf({ ...TEST_EVENT_KEYS, EVENT_SIGNATURES: "warn" });
    const event = registered();
    const { signature: _, ...unsigned } = event;
    expect(verifyEvent(unsigned, warn)).toBe("unsigned");
    expect(() => verifyEvent({ ...event, data: { ...event.data, name: "Eve" } }, warn)).toThrow(/does not match/);
  });

  it("names the variable of a bad key configuration", () => {
    expect(() => eventKeyringOf({ EVENT_SIGNING_KEYS: "orders:ord-1:rot13:abc" })).toThrow(
      /^EVENT_SIGNING_KEYS: entry 1 must be producer:kid:hmac\|ed25519:base64/,
    );
    expect(() =>
      eventKeyringOf({ EVENT_VERIFY_KEYS: `orders:ord-1:hmac:${Buffer.alloc(8).toString("base64")}` }),
    ).toThrow(/^EVENT_VERIFY_KEYS: key orders:ord-1: an hmac key must be at least 32 bytes/);
    expect(() => eventKeyringOf({ EVENT_VERIFY_KEYS: "accounts:acc-1:ed25519:AAAA" })).toThrow(
      /^EVENT_VERIFY_KEYS: key accounts:acc-1: /,
    );
    expect(() =>
      eventKeyringOf({
        EVENT_SIGNING_KEYS: `${TEST_ROTATED_EVENT_KEYS.payments},${TEST_ROTATED_EVENT_KEYS.payments.replace("pay-0", "pay-2")}`,
      }),
    ).toThrow(/EVENT_SIGNING_KEYS: payments has two signing keys/);
    expect(() => eventKeyringOf({ EVENT_SIGNATURES: "off" })).toThrow(
      /\n {2}EVENT_SIGNATURES: Invalid option: expected one of "enforce"\|"warn" \(currently: "off"; option events\.signing\.signatures\)/,
    );
  });
});
