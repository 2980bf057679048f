import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { ErrorCode, uploadErrorStatus } from "@fedplat/runtime";
import type { Dispatcher } from "undici";
import { type FetcherRequestInit, type FetcherResponse, SubgraphResponse, subgraphFetch } from "./subgraphFetch";
import type { UploadPart } from "./uploadVariables";

/** A client's file could not be read while it was forwarded: too large (413), cut off or malformed. */
class UploadStreamError extends Error {
  constructor(
    readonly status: number,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

const SAFE_MIME = /^[\w.+-]+\/[\w.+-]+$/;

/** A part header's quoted filename as browsers write it (WHATWG multipart/form-data encoding). */
function quoted(filename: string): string {
  return filename.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/**
 * The GraphQL multipart request (operations, map, then each file), produced as the files are
 * read. Hand-written because neither standard option streams: undici's FormData takes Blob parts
 * (a Blob cannot stand for a file that is still arriving), and form-data's CombinedStream
 * offers no more than these few lines. Each file is read from graphql-upload's temporary file
 * while the client may still be sending it; nothing is held but the chunk in flight.
 */
async function* multipartBody(boundary: string, operations: string, uploads: readonly UploadPart[]) {
  const encoder = new TextEncoder();
  const field = (name: string, value: string) =>
    encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  yield field("operations", operations);
  yield field("map", JSON.stringify(Object.fromEntries(uploads.map(({ path }, index) => [String(index), [path]]))));
  for (const [index, { upload }] of uploads.entries()) {
    try {
      const file = await upload.promise;
      const type = SAFE_MIME.test(file.mimetype) ? file.mimetype : "application/octet-stream";
      yield encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="${index}"; filename="${quoted(file.filename)}"\r\nContent-Type: ${type}\r\n\r\n`,
      );
      for await (const chunk of file.createReadStream()) yield chunk as Uint8Array;
    } catch (error) {
      throw new UploadStreamError(uploadErrorStatus(error) ?? 400, error);
    }
    yield encoder.encode("\r\n");
  }
  yield encoder.encode(`--${boundary}--\r\n`);
}

function uploadStreamErrorIn(error: unknown): UploadStreamError | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof UploadStreamError) return cause;
  }
  return undefined;
}

/**
 * Sends a subgraph fetch whose variables held files as a GraphQL multipart request, streaming
 * each file. A file the client's request could not deliver (over the size limit, cut off) ends
 * the fetch and is answered as the subgraph would answer a refused request: a 4xx GraphQL error
 * (UPLOAD_TOO_LARGE for 413), so it is passed to the client and never counts as the subgraph failing.
 */
export async function multipartFetch(
  url: string,
  init: FetcherRequestInit & { headers: Record<string, string> },
  uploads: readonly UploadPart[],
  dispatcher?: Dispatcher,
): Promise<FetcherResponse> {
  const boundary = `fedplat-${randomUUID()}`;
  const { "content-type": _json, "content-length": _length, ...headers } = init.headers;
  const multipart = {
    ...init,
    // Subgraphs keep Apollo's csrfPrevention on: a multipart request must carry a preflight header.
    headers: {
      ...headers,
      "content-type": `multipart/form-data; boundary=${boundary}`,
      "apollo-require-preflight": "true",
    },
  };
  try {
    return await subgraphFetch(
      url,
      multipart,
      dispatcher,
      Readable.from(multipartBody(boundary, String(init.body ?? ""), uploads)),
    );
  } catch (error) {
    const failed = uploadStreamErrorIn(error);
    if (!failed) throw error;
    const code = failed.status === 413 ? ErrorCode.UPLOAD_TOO_LARGE : "BAD_REQUEST";
    return new SubgraphResponse(
      {
        status: failed.status,
        statusText: "",
        headers: [["content-type", "application/json"]],
        body: JSON.stringify({ errors: [{ message: failed.message, extensions: { code } }] }),
      },
      url,
    );
  }
}
