import type { Response } from "express";

/** A GraphQL-shaped error response for requests stopped before GraphQL runs. */
export function sendGraphQLError(
  res: Response,
  status: number,
  message: string,
  code: string,
  extensions: Record<string, unknown> = {},
): void {
  res.status(status).json({ errors: [{ message, extensions: { code, ...extensions } }] });
}
