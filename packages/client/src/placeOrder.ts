import { PlaceOrderDocument, type PlaceOrderInput, type PlaceOrderMutation } from "./generated/graphql";
import type { GraphQLClient } from "./httpClient";
import { type RetryOptions, withRetries } from "./retry";

export interface PlaceOrderOptions extends RetryOptions {
  /** The order's idempotency key; one new key per order meant. @default crypto.randomUUID() (Node and browsers) */
  idempotencyKey?: string;
}

/**
 * Places one order, safely retried: every attempt carries the same idempotency key, so when an
 * attempt's answer is lost (network error, 502-504) after the order was placed, the retry returns
 * that order instead of placing a second one.
 */
export async function placeOrder(
  client: GraphQLClient,
  input: Omit<PlaceOrderInput, "idempotencyKey">,
  options: PlaceOrderOptions = {},
): Promise<PlaceOrderMutation["placeOrder"]> {
  const { idempotencyKey = globalThis.crypto.randomUUID(), ...retry } = options;
  return withRetries(
    async () => (await client.request(PlaceOrderDocument, { input: { ...input, idempotencyKey } })).placeOrder,
    retry,
  );
}
