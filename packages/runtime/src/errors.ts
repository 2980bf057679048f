import { GraphQLError } from "graphql";

/** The one set of error codes resolvers use; clients switch on `extensions.code`. */
export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
  SUBGRAPH_UNAVAILABLE: "SUBGRAPH_UNAVAILABLE",
  /** Too many failed logins for an email: refused without checking the password (extensions.retryAfter, seconds). */
  ACCOUNT_LOCKED: "ACCOUNT_LOCKED",
  /** An admin disabled the account (setUserDisabled): login and refresh are refused. */
  ACCOUNT_DISABLED: "ACCOUNT_DISABLED",
  /** A file of a multipart request is larger than the upload limit (HTTP 413). */
  UPLOAD_TOO_LARGE: "UPLOAD_TOO_LARGE",
  /** A multipart request holds more files than the upload limit (HTTP 413). */
  UPLOAD_TOO_MANY_FILES: "UPLOAD_TOO_MANY_FILES",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const httpStatus: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  UPLOAD_TOO_LARGE: 413,
  UPLOAD_TOO_MANY_FILES: 413,
};

export function appError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  const status = httpStatus[code];
  return new GraphQLError(message, { extensions: { code, ...extensions, ...(status ? { http: { status } } : {}) } });
}

export const badInput = (message: string, field?: string) =>
  appError(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});
export const notFound = (what: string) => appError(ErrorCode.NOT_FOUND, `${what} not found`);
export const unauthenticated = (message = "You must be logged in") => appError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = "Not allowed") => appError(ErrorCode.FORBIDDEN, message);

interface PrismaKnownError {
  code: string;
  meta?: { target?: unknown; modelName?: string };
}

function isPrismaKnownError(error: unknown): error is PrismaKnownError {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { name?: string }).name === "PrismaClientKnownRequestError" &&
    typeof (error as { code?: unknown }).code === "string"
  );
}

/**
 * Maps Prisma's known request errors to the shared codes (P2002 unique, P2003 foreign key,
 * P2025 not found); anything else is rethrown unchanged and masked by the server.
 */
export function mapPrismaError(error: unknown, what = "Record"): never {
  if (isPrismaKnownError(error)) {
    switch (error.code) {
      case "P2002":
        throw appError(ErrorCode.CONFLICT, `${what} already exists`);
      case "P2003":
        throw appError(ErrorCode.BAD_USER_INPUT, `${what} refers to something that does not exist`);
      case "P2025":
        throw notFound(what);
    }
  }
  throw error;
}
