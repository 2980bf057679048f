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
  /** Every trusted document's text. */
  documents(): IterableIterator<string>;
  /** Re-reads the file; on any problem keeps the documents it had and throws. */
  reload(): void;
  /** Called after each successful reload (query-plan prewarm of the new documents). */
  onReload(listener: () => void): void;
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

/** A manifest over what `read` returns (hash -> document); `reload` reads again. */
function manifestFrom(read: () => Map<string, string>): PersistedDocumentManifest {
  let documents = read();
  const listeners: Array<() => void> = [];
  return {
    get: (hash) => documents.get(hash),
    get size() {
      return documents.size;
    },
    documents: () => documents.values(),
    reload() {
      documents = read();
      for (const listener of listeners) listener();
    },
    onReload: (listener) => listeners.push(listener),
  };
}

/** A manifest of these documents, held in memory (tests, benchmarks). */
export function manifestOf(documents: Iterable<string>): PersistedDocumentManifest {
  const byHash = new Map(Array.from(documents, (document) => [sha256Hex(document), document] as const));
  return manifestFrom(() => byHash);
}

export function loadPersistedDocumentManifest(path: string, logger: Logger): PersistedDocumentManifest {
  const manifest = manifestFrom(() => parseManifest(readFileSync(path, "utf8"), path));
  logger.info({ path, documents: manifest.size }, "persisted-documents manifest loaded");
  manifest.onReload(() => logger.info({ path, documents: manifest.size }, "persisted-documents manifest reloaded"));
  return manifest;
}
