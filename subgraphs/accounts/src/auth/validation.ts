import { badInput } from "@fedplat/runtime";
import { z } from "zod";

const email = z.string().trim().toLowerCase().pipe(z.email()).pipe(z.string().max(254));
const name = z.string().trim().min(1).max(100);
// At least 8 characters with a letter and a digit; 128 at most so hashing cost stays bounded.
const password = z
  .string()
  .min(8, "must be at least 8 characters")
  .max(128, "must be at most 128 characters")
  .regex(/[A-Za-z]/, "must contain a letter")
  .regex(/\d/, "must contain a digit");

function check<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw badInput(`${field}: ${result.error.issues[0]?.message ?? "is invalid"}`, field);
  return result.data;
}

export const normalizeEmail = (value: string) => check(email, value, "email");
export const validateName = (value: string) => check(name, value, "name");
export const validatePassword = (value: string, field = "password") => check(password, value, field);
