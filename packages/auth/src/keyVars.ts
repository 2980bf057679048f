import { z } from "zod";
import { parseSigningKey, parseVerifyKeys } from "./identityKeys";

/**
 * Option schemas for identity keys, for a configuration section (add `.describe()`; see
 * sections.ts): each parses its JSON and reports what is wrong without echoing the key.
 */
export const keyVars = {
  /** A private Ed25519 JWK with a kid (GATEWAY_SIGNING_KEY, ORDERS_SERVICE_KEY): generated into .env by `npm run setup`. */
  signingKey: z
    .string({ error: "required: a private Ed25519 JWK (run `npm run setup` to generate one into .env)" })
    .transform(parsedBy(parseSigningKey)),
  /** A JSON array of public Ed25519 JWKs, each with its kid (GATEWAY_VERIFY_KEYS, ORDERS_SERVICE_VERIFY_KEYS): several during a rotation. */
  verifyKeys: z
    .string({ error: "required: a JSON array of public Ed25519 JWKs (run `npm run setup` to generate it into .env)" })
    .transform(parsedBy(parseVerifyKeys)),
};

/** A zod transform from a parser that throws a message naming what is wrong (never the value). */
function parsedBy<T>(parse: (value: string) => T) {
  return (value: string, ctx: z.RefinementCtx): T => {
    try {
      return parse(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
      return z.NEVER;
    }
  };
}
