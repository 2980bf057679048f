import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Logger } from "@fedplat/runtime";

export const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * The trusted documents: codegen's persisted-documents.json ("sha256:<hex>" -> document), keyed
 * here by the bare hex that APQ clients send as extensions.persistedQuery.sha256Hash.
 */
export interface PersistedDocumentManifest {
  /** The document with this sha256 hex, if the manifest has it. */
  get(hash: string): string | undefined;
  readonly size: number;
  /** Re-reads the file; on any problem keeps the documents it had and throws. */
  reload(): void;
}

const KEY = /^(?:sha256:)?([0-9a-f]{64})$/;

/** Parses and checks a manifest: every key must be the sha256 of its document, or the file is refused. */
export function parseManifest(json: string, source: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new Error(`${source}: not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error(`${source}: expected an object of "sha256:<hex>": "<document>"`);
  const documents = new Map<string, string>();
  for (const [key, document] of Object.entries(parsed)) {
    const hash = KEY.exec(key)?.[1];
    if (!hash) throw new Error(`${source}: "${key}" is not a sha256 id ("sha256:<64 hex>")`);
    if (typeof document !== "string") throw new Error(`${source}: the document of ${key} is not a string`);
    if (sha256Hex(document) !== hash) throw new Error(`${source}: the document of ${key} does not hash to its id`);
    documents.set(hash, document);
  }
  return documents;
}

export function loadPersistedDocumentManifest(path: string, logger: Logger): PersistedDocumentManifest {
  const read = () => parseManifest(readFileSync(path, "utf8"), path);
  let documents = read();
  logger.info({ path, documents: documents.size }, "persisted-documents manifest loaded");
  return {
    get: (hash) => documents.get(hash),
    get size() {
      return documents.size;
    },
    reload() {
      documents = read();
      logger.info({ path, documents: documents.size }, "persisted-documents manifest reloaded");
    },
  };
}
