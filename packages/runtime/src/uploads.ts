import type { RequestHandler } from "express";
import GraphQLUpload from "graphql-upload/GraphQLUpload.mjs";
import processRequest, { type FileUpload } from "graphql-upload/processRequest.mjs";
import Upload from "graphql-upload/Upload.mjs";
import { ErrorCode } from "./errors";

export { type FileUpload, GraphQLUpload };
export type { Upload };

/** How much a GraphQL multipart request (file uploads) may carry. */
export interface UploadLimits {
  /** Largest file, in bytes; a larger one fails with UPLOAD_TOO_LARGE (413) while it streams. */
  maxFileBytes: number;
  /** Most files in one request; more fail with UPLOAD_TOO_MANY_FILES (413) before GraphQL runs. */
  maxFiles: number;
}

/** Apollo's csrfPrevention accepts a multipart (simple, CORS-less) request only with one of these. */
const PREFLIGHT_HEADERS = ["apollo-require-preflight", "x-apollo-operation-name"] as const;

/** A file of a multipart request in a variable, before the Upload scalar parses it (graphql-upload's Upload). */
export function isUpload(value: unknown): value is Upload {
  return value instanceof Upload;
}

/** The HTTP status (413 or 400) of an error graphql-upload raised (http-errors), if it is one. */
export function uploadErrorStatus(error: unknown): number | undefined {
  const status = typeof error === "object" && error !== null ? (error as { status?: unknown }).status : undefined;
  return typeof status === "number" && status >= 400 && status < 500 ? status : undefined;
}

/**
 * Parses GraphQL multipart requests (https://github.com/jaydenseric/graphql-multipart-request-spec)
 * with graphql-upload: `req.body` becomes the `operations` field with an Upload in place of each
 * file, which streams to a temporary file (fs-capacitor) as it arrives, so a file is never held
 * in memory. Too many files are refused here (UPLOAD_TOO_MANY_FILES, 413); a file over the size
 * limit fails whoever reads it. Other requests pass untouched.
 *
 * A multipart request without a preflight header is not parsed: its body is left empty so that
 * Apollo's csrfPrevention refuses it (400) before a byte of its files is stored.
 */
export function multipartUploads(limits: UploadLimits): RequestHandler {
  return (req, res, next) => {
    if (!req.is("multipart/form-data")) {
      next();
      return;
    }
    if (!PREFLIGHT_HEADERS.some((name) => req.headers[name])) {
      req.body = {};
      next();
      return;
    }
    processRequest(req, res, { maxFileSize: limits.maxFileBytes, maxFiles: limits.maxFiles }).then(
      (operations) => {
        req.body = operations;
        next();
      },
      (error: unknown) => {
        const status = uploadErrorStatus(error);
        if (status === undefined) {
          next(error);
          return;
        }
        // graphql-upload refuses a request before GraphQL runs only for the file count (413) or a malformed form (400).
        const code = status === 413 ? ErrorCode.UPLOAD_TOO_MANY_FILES : "BAD_REQUEST";
        res.status(status).json({ errors: [{ message: (error as Error).message, extensions: { code } }] });
      },
    );
  };
}
