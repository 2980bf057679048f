import { z } from "zod";
import { readerProblems } from "../src";

/** A consumer's expected order.placed v1, and producer schemas changed in one way each. */
const line = z.object({
  productId: z.uuid(),
  quantity: z.number().int().min(1),
  unitPriceCents: z.number().int().min(0),
});
const consumerV1 = z.object({
  orderId: z.uuid(),
  totalCents: z.number().int().min(0),
  currency: z.string().regex(/^[A-Z]{3}$/),
  channel: z.enum(["WEB", "APP"]),
  lines: z.array(line).min(1),
});
const producer = (shape: Record<string, z.ZodType>) => consumerV1.extend(shape);

describe("reader/writer compatibility of event schemas", () => {
  it("the same schema is compatible", () => {
    expect(readerProblems(consumerV1, consumerV1)).toEqual([]);
  });

  it("an added field, required or optional, is additive: a consumer of the previous version ignores it", () => {
    expect(readerProblems(consumerV1, producer({ couponCode: z.string().optional() }))).toEqual([]);
    expect(readerProblems(consumerV1, producer({ placedVia: z.string() }))).toEqual([]);
    expect(
      readerProblems(consumerV1, producer({ lines: z.array(line.extend({ giftWrap: z.boolean() })).min(1) })),
    ).toEqual([]);
  });

  it("a tighter producer constraint is compatible (every value it writes is still accepted)", () => {
    expect(readerProblems(consumerV1, producer({ totalCents: z.number().int().min(100) }))).toEqual([]);
    expect(readerProblems(consumerV1, producer({ channel: z.enum(["WEB"]) }))).toEqual([]);
  });

  it("a removed field the consumer requires is breaking, named by its path", () => {
    expect(readerProblems(consumerV1, consumerV1.omit({ currency: true }))).toEqual([
      { path: "data.currency", problem: "the consumer requires it, the producer does not write it" },
    ]);
  });

  it("a required field made optional or nullable is breaking", () => {
    expect(
      readerProblems(
        consumerV1,
        producer({
          currency: z
            .string()
            .regex(/^[A-Z]{3}$/)
            .optional(),
        }),
      ),
    ).toEqual([{ path: "data.currency", problem: "the consumer requires it, the producer may leave it out" }]);
    expect(
      readerProblems(
        consumerV1,
        producer({
          currency: z
            .string()
            .regex(/^[A-Z]{3}$/)
            .nullable(),
        }),
      ),
    ).toEqual([{ path: "data.currency", problem: 'the producer writes "null" where the consumer reads "string"' }]);
  });

  it("a changed type, a new enum value and a looser constraint are breaking", () => {
    expect(readerProblems(consumerV1, producer({ totalCents: z.string() }))).toEqual([
      { path: "data.totalCents", problem: 'the producer writes "string" where the consumer reads "integer"' },
    ]);
    expect(readerProblems(consumerV1, producer({ channel: z.enum(["WEB", "APP", "PHONE"]) }))).toEqual([
      { path: "data.channel", problem: 'the consumer does not know "PHONE"' },
    ]);
    expect(
      readerProblems(
        consumerV1,
        producer({ lines: z.array(line.extend({ quantity: z.number().int().min(0) })).min(1) }),
      ),
    ).toEqual([
      { path: "data.lines[].quantity", problem: "the consumer requires minimum 1, the producer guarantees 0" },
    ]);
    expect(readerProblems(consumerV1, producer({ lines: z.array(line) }))).toEqual([
      { path: "data.lines", problem: "the consumer requires minItems 1, the producer guarantees none" },
    ]);
  });

  it("a strict consumer rejects any new field", () => {
    expect(
      readerProblems(z.strictObject({ orderId: z.uuid() }), z.object({ orderId: z.uuid(), note: z.string() })),
    ).toEqual([{ path: "data.note", problem: "the consumer's schema is strict and rejects this new field" }]);
  });
});
