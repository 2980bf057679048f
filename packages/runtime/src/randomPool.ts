import { randomBytes } from "node:crypto";

/**
 * Random bytes handed out in small slices of one larger buffer from the CSPRNG, as Node's own
 * randomUUID does: a randomBytes call costs ~2-4 µs whatever its size (the call into OpenSSL
 * dominates), so the field cipher's 12-byte IVs, two per sealed event, cost more than the AES
 * itself. Every byte is handed out once: a slice never overlaps another, so IVs stay unique and
 * random. Used up, the pool is replaced by a NEW buffer (never refilled in place), so a slice
 * handed out earlier never changes under its holder.
 */
export interface RandomPool {
  /** `size` fresh random bytes (a view into the pool: read-only by convention). */
  take(size: number): Buffer;
}

/** @param poolSize bytes drawn from the CSPRNG at a time (4096: 341 IVs of 12 bytes) */
export function createRandomPool(poolSize = 4096, fill: (size: number) => Buffer = randomBytes): RandomPool {
  let pool: Buffer = Buffer.alloc(0);
  let offset = 0;
  return {
    take(size) {
      if (!Number.isInteger(size) || size < 1 || size > poolSize)
        throw new RangeError(`random pool: size must be an integer in 1..${poolSize}, got ${size}`);
      if (offset + size > pool.length) {
        pool = fill(poolSize);
        offset = 0;
      }
      const slice = pool.subarray(offset, offset + size);
      offset += size;
      return slice;
    },
  };
}
