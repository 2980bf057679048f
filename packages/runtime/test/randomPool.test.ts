import { randomBytes } from "node:crypto";
import { createFieldCipher, createRandomPool } from "../src";

describe("random pool (the field cipher's IVs)", () => {
  it("never hands out the same bytes twice, across many refills", () => {
    const pool = createRandomPool(4096);
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(pool.take(12).toString("hex"));
    expect(seen.size).toBe(100_000);
  });

  it("draws a new buffer from the CSPRNG when used up, and slices taken before keep their bytes", () => {
    const fills: number[] = [];
    const pool = createRandomPool(24, (size) => {
      fills.push(size);
      return randomBytes(size);
    });
    const first = pool.take(12);
    const copy = Buffer.from(first);
    pool.take(12);
    expect(fills).toEqual([24]);
    const third = pool.take(12); // 24 bytes used up: a fresh buffer, not the old one overwritten
    expect(fills).toEqual([24, 24]);
    expect(first.equals(copy)).toBe(true);
    expect(third.buffer).not.toBe(first.buffer);
  });

  it("refuses sizes it cannot serve from one pool", () => {
    const pool = createRandomPool(16);
    expect(() => pool.take(17)).toThrow(RangeError);
    expect(() => pool.take(0)).toThrow(RangeError);
    expect(() => pool.take(1.5)).toThrow(/size must be an integer in 1..16/);
  });

  it("gives every sealed value its own IV", () => {
    const cipher = createFieldCipher(`k1:${randomBytes(32).toString("base64")}`, "k1");
    const ivs = new Set<string>();
    for (let i = 0; i < 5_000; i++) ivs.add(cipher.encrypt("same text", "same context").split(".")[2] as string);
    expect(ivs.size).toBe(5_000);
  });
});
