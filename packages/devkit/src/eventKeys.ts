import { PRODUCER_SERVICES } from "@fedplat/registry";

/**
 * Event signing keys for tests only (never deployed): HMAC, as `npm run setup` generates (see
 * @fedplat/events signing.ts); the rotated accounts key is Ed25519, so tests verify both
 * algorithms. A test process signs as every producer, as the platform's processes together do.
 */
const hmac = (producer: string, kid: string, fill: number) =>
  `${producer}:${kid}:hmac:${Buffer.alloc(32, fill).toString("base64")}`;

/** A key that was rotated out: its events still verify (listed in EVENT_VERIFY_KEYS) but nothing signs with it. */
export const TEST_ROTATED_EVENT_KEYS = {
  accounts: "accounts:acc-0:ed25519:MC4CAQAwBQYDK2VwBCIEILx2/oCJrNNqnNnTn/j2aCOHgwyqX6FAWyg/mmTTqOd2",
  payments: hmac("payments", "pay-0", 20),
};

/** An event PII key that was rotated out: events it sealed still open (it stays in EVENT_PII_KEYS), new ones use evp-1. */
export const TEST_ROTATED_EVENT_PII_KEY = `evp-0:${Buffer.alloc(32, 40).toString("base64")}`;

/** EVENT_SIGNING_KEYS, EVENT_VERIFY_KEYS, EVENT_SIGNATURES and the event PII keys of test processes. */
export const TEST_EVENT_KEYS = {
  /** One key per producer of services.json, kid `<first three letters>-1` as `npm run setup` names them. */
  EVENT_SIGNING_KEYS: PRODUCER_SERVICES.map((service, index) =>
    hmac(service.name, `${service.name.slice(0, 3)}-1`, 21 + index),
  ).join(","),
  EVENT_VERIFY_KEYS: [
    "accounts:acc-0:ed25519:MCowBQYDK2VwAyEAQgnT5xyWrvH3POJTKcO8FQE//NDH1kOuELBMLMRMXbU=",
    TEST_ROTATED_EVENT_KEYS.payments,
  ].join(","),
  EVENT_SIGNATURES: "enforce",
  /** Seal and open the personal fields of events (sealing.ts in @fedplat/events), as `npm run setup` generates them. */
  EVENT_PII_KEYS: [`evp-1:${Buffer.alloc(32, 41).toString("base64")}`, TEST_ROTATED_EVENT_PII_KEY].join(","),
  EVENT_PII_ACTIVE_KEY_ID: "evp-1",
};

/** Puts the test keys into process.env unless set (jest's setup file): in-process code and spawned services read them. */
export function useTestEventKeys(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(TEST_EVENT_KEYS)) env[name] ??= value;
}
