import type { DocumentTypeDecoration } from "@graphql-typed-document-node/core";

/**
 * A document made by the codegen client preset (documentMode: string): its text, its result and
 * variables types, and (persistedDocuments) its id in the manifest.
 */
export type TypedDocument<TResult, TVariables> = DocumentTypeDecoration<TResult, TVariables> & {
  toString(): string;
  __meta__?: Record<string, unknown>;
};

/** Manifest written by codegen: "sha256:<hex>" (or "<hex>") -> the document text that hashes to it. */
export type PersistedDocuments = Record<string, string>;

/**
 * The APQ sha256Hash of a generated document: its manifest id without the "sha256:" prefix
 * (codegen.yml cannot hold a hash function, so the manifest keys carry the algorithm name).
 */
export function persistedIdOf(document: { __meta__?: Record<string, unknown> }): string | undefined {
  const hash = document.__meta__?.hash;
  if (typeof hash !== "string") return undefined;
  return hash.startsWith("sha256:") ? hash.slice("sha256:".length) : hash;
}

/** The manifest text for an id, accepting both key forms. */
export function manifestText(manifest: PersistedDocuments | undefined, id: string): string | undefined {
  return manifest?.[`sha256:${id}`] ?? manifest?.[id];
}

/** The operation type and name of a document's first operation, read from its text without parsing. */
export function operationOf(text: string): { type: "query" | "mutation" | "subscription"; name?: string } {
  const match = /^\s*(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/m.exec(text);
  if (!match) return { type: "query" };
  return { type: match[1] as "query" | "mutation" | "subscription", ...(match[2] ? { name: match[2] } : {}) };
}
