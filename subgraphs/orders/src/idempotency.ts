import { createHash } from "node:crypto";
import { badInput } from "@fedplat/runtime";
import type { OrdersPrisma } from "./db";
import type { Prisma } from "./generated/prisma/client";

/** How long a key is remembered; workers' retention deletes older rows. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;
/** The column is VARCHAR(255); a longer key is refused rather than cut (two keys must never become one). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** A caller's key for one request: who sent it, the key, and what the request was (its hash). */
export interface IdempotentRequest {
  customerId: string;
  key: string;
  hash: string;
}

/** The key as the caller sent it, or undefined when there is none; BAD_USER_INPUT when it is unusable. */
export function checkIdempotencyKey(key: string | null | undefined): string | undefined {
  if (key === undefined || key === null) return undefined;
  if (key.trim().length === 0) throw badInput("An idempotency key must not be empty", "idempotencyKey");
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH)
    throw badInput(`An idempotency key has at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, "idempotencyKey");
  // Control characters: NUL cannot be stored in PostgreSQL text, and the others only hide a key's difference in logs.
  if (/\p{Cc}/u.test(key)) throw badInput("An idempotency key must not contain control characters", "idempotencyKey");
  return key;
}

/** The request's identity: the operation and its input (without the key), hashed. */
export function idempotentRequest(
  customerId: string,
  key: string,
  operation: string,
  input: unknown,
): IdempotentRequest {
  const hash = createHash("sha256")
    .update(JSON.stringify([operation, input]))
    .digest("hex");
  return { customerId, key, hash };
}

const cutoff = () => new Date(Date.now() - IDEMPOTENCY_KEY_TTL_MS);

/**
 * The order an earlier request with this key produced (undefined: the key is new or expired);
 * BAD_USER_INPUT when the key was used for a different request.
 */
export async function replayedOrderId(
  prisma: Pick<OrdersPrisma, "idempotencyKey">,
  request: IdempotentRequest,
): Promise<string | undefined> {
  const row = await prisma.idempotencyKey.findUnique({
    where: { customerId_key: { customerId: request.customerId, key: request.key } },
  });
  if (!row || row.createdAt < cutoff()) return undefined;
  if (row.requestHash !== request.hash) {
    throw badInput(
      "This idempotency key was already used for a different request; send a new key for a new request",
      "idempotencyKey",
    );
  }
  return row.orderId;
}

/**
 * Claims the key in the caller's transaction, before it writes anything else: a concurrent
 * request with the same key waits on the unique (customer_id, key) index until this
 * transaction ends, then fails with P2002 (isKeyTaken) and replays this one's order. An expired
 * row of the same key that retention has not pruned yet is replaced.
 */
export async function claimIdempotencyKey(
  tx: Prisma.TransactionClient,
  request: IdempotentRequest,
  orderId: string,
): Promise<void> {
  await tx.idempotencyKey.deleteMany({
    where: { customerId: request.customerId, key: request.key, createdAt: { lt: cutoff() } },
  });
  await tx.idempotencyKey.create({
    data: { customerId: request.customerId, key: request.key, requestHash: request.hash, orderId },
  });
}

/** A unique violation: in a transaction that claimed a key, another request holds that key. */
export function isKeyTaken(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002";
}

/**
 * Runs `act` once per key: when the key already names an order (an earlier request, or a
 * concurrent one that won the race to claim it), returns `replay(thatOrderId)` instead. Without a
 * key, just runs `act`. `act` must claim the key (claimIdempotencyKey) in its transaction.
 */
export async function oncePerKey<T>(
  prisma: Pick<OrdersPrisma, "idempotencyKey">,
  request: IdempotentRequest | undefined,
  act: () => Promise<T>,
  replay: (orderId: string) => Promise<T>,
): Promise<T> {
  if (!request) return act();
  const earlier = await replayedOrderId(prisma, request);
  if (earlier) return replay(earlier);
  try {
    return await act();
  } catch (error) {
    if (!isKeyTaken(error)) throw error;
    const winner = await replayedOrderId(prisma, request);
    if (!winner) throw error;
    return replay(winner);
  }
}
