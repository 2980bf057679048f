import type { RequestHandler } from "express";
import { sendGraphQLError } from "../../sendGraphQLError";
import { type PersistedDocumentManifest, sha256Hex } from "./persistedDocumentManifest";

/**
 * `off`: APQ and any document; `allow`: manifest ids too; `enforce`: only documents of the
 * manifest, by id or by identical text.
 */
export type TrustedDocumentsMode = "off" | "allow" | "enforce";
export const TRUSTED_DOCUMENTS_MODES = ["off", "allow", "enforce"] as const;

export type Rejection = { status: number; code: string; message: string };

/** The parts of a GraphQL request (POST body, GET query string, graphql-ws subscribe payload) this check reads. */
export interface OperationRequest {
  query?: unknown;
  extensions?: unknown;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** What is wrong with an operation's persisted-query extension or document, or undefined when it may run. */
function trustedDocumentRejection(
  operation: OperationRequest,
  mode: TrustedDocumentsMode,
  manifest: PersistedDocumentManifest | undefined,
): Rejection | undefined {
  const { query } = operation;
  let extensions = operation.extensions;
  if (typeof extensions === "string") {
    // GET carries extensions as JSON in the query string.
    try {
      extensions = JSON.parse(extensions);
    } catch {
      return { status: 400, code: "PERSISTED_QUERY_MALFORMED", message: "extensions is not valid JSON" };
    }
  }
  let hash: string | undefined;
  if (extensions !== undefined && extensions !== null) {
    if (typeof extensions !== "object" || Array.isArray(extensions))
      return { status: 400, code: "PERSISTED_QUERY_MALFORMED", message: "extensions must be an object" };
    const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
    if (persisted !== undefined) {
      if (typeof persisted !== "object" || persisted === null || Array.isArray(persisted))
        return {
          status: 400,
          code: "PERSISTED_QUERY_MALFORMED",
          message: "extensions.persistedQuery must be an object { version: 1, sha256Hash }",
        };
      const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
      if (version !== 1)
        return {
          status: 400,
          code: "PERSISTED_QUERY_MALFORMED",
          message: "extensions.persistedQuery.version must be 1",
        };
      if (typeof sha256Hash !== "string" || !HEX64.test(sha256Hash))
        return {
          status: 400,
          code: "PERSISTED_QUERY_MALFORMED",
          message:
            "extensions.persistedQuery.sha256Hash must be 64 lowercase hex characters (the SHA-256 of the document)",
        };
      hash = sha256Hash;
    }
  }
  if (query !== undefined && typeof query !== "string") return undefined; // Apollo answers this one
  if (hash && typeof query === "string" && sha256Hex(query) !== hash) {
    return {
      status: 400,
      code: "PERSISTED_QUERY_HASH_MISMATCH",
      message: "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query sent with it",
    };
  }
  if (mode !== "enforce") return undefined;
  if (hash) {
    return manifest?.get(hash)
      ? undefined
      : {
          status: 400,
          code: "PERSISTED_QUERY_NOT_IN_LIST",
          message: `This gateway runs only the operations of its persisted-documents manifest; ${hash} is not one of them`,
        };
  }
  if (typeof query === "string") {
    return manifest?.get(sha256Hex(query))
      ? undefined
      : {
          status: 400,
          code: "PERSISTED_QUERY_REQUIRED",
          message:
            "This gateway runs only the operations of its persisted-documents manifest: send a known extensions.persistedQuery.sha256Hash",
        };
  }
  return undefined;
}

/** The document an admitted operation runs, when known here: its text, or the manifest's for an id sent alone. */
export type Admission = { rejection: Rejection } | { rejection?: undefined; document: string | undefined };

/** The one trusted-documents check, shared by every transport (HTTP here, graphql-ws subscribe messages). */
export interface TrustedDocuments {
  readonly mode: TrustedDocumentsMode;
  admit(operation: OperationRequest): Admission;
}

export function createTrustedDocuments(
  options: { mode?: TrustedDocumentsMode; manifest?: PersistedDocumentManifest } = {},
): TrustedDocuments {
  const mode = options.mode ?? "off";
  if (mode !== "off" && !options.manifest)
    throw new Error(`Trusted documents "${mode}" needs a persisted-documents manifest`);
  const manifest = mode === "off" ? undefined : options.manifest;
  return {
    mode,
    admit(operation) {
      const rejection = trustedDocumentRejection(operation, mode, manifest);
      if (rejection) return { rejection };
      if (typeof operation.query === "string") return { document: operation.query };
      const hash = (operation.extensions as { persistedQuery?: { sha256Hash?: string } } | undefined)?.persistedQuery
        ?.sha256Hash;
      return { document: hash ? manifest?.get(hash) : undefined };
    },
  };
}

/**
 * Checks persisted-query extensions and, in `enforce` mode, trusted documents, on the raw request
 * (POST body or GET query string) before Apollo parses any GraphQL. A document sent by id alone is
 * left to Apollo's APQ, whose cache knows the manifest (persistedQueryCache.ts).
 */
export function usePersistedDocuments(trusted: TrustedDocuments): RequestHandler {
  return (req, res, next) => {
    const source: unknown = req.method === "GET" ? req.query : req.body;
    const operations = Array.isArray(source) ? source : [source];
    for (const operation of operations) {
      if (typeof operation !== "object" || operation === null) continue; // malformed bodies: Apollo's clear 400s
      const { rejection } = trusted.admit(operation as OperationRequest);
      if (rejection) return sendGraphQLError(res, rejection.status, rejection.message, rejection.code);
    }
    next();
  };
}
