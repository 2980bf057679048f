import type { IMiddlewareFunction } from "graphql-middleware";
import { badInput } from "@fedplat/runtime";

function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (depth > 32 || value === null || typeof value !== "object") return false;
  return Object.values(value).some((item) => containsNul(item, depth + 1));
}

/**
 * PostgreSQL text cannot hold NUL (\u0000): such input would fail deep in a query as an
 * internal error. Rejected up front, on every field with arguments, as BAD_USER_INPUT.
 */
export const rejectNulBytes: IMiddlewareFunction = (resolve, parent, args, context, info) => {
  if (args && typeof args === "object" && Object.keys(args).length > 0 && containsNul(args)) {
    throw badInput("Text input must not contain NUL characters");
  }
  return resolve(parent, args, context, info);
};
