import { randomBytes } from "node:crypto";
import { crc32, deflateSync } from "node:zlib";
import type { GraphQLResponse } from "./graphqlRequest";

/** A real PNG (width x height, 8-bit grey, random pixels, stored uncompressed so its size is predictable). */
export function testPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, "latin1"), data])));
    return Buffer.concat([length, Buffer.from(type, "latin1"), data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8);
  // Each row: filter type 0 (none), then one byte per pixel.
  const rows = Buffer.concat(
    Array.from({ length: height }, () => Buffer.concat([Buffer.from([0]), randomBytes(width)])),
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows, { level: 0 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

export interface TestFile {
  bytes: Buffer;
  name: string;
  type: string;
}

/**
 * POSTs a GraphQL multipart request (file uploads) as Apollo Client's upload link does: each of
 * `files` is put at its variable path (e.g. "variables.image"). Add the preflight header
 * (`apollo-require-preflight`) to `headers` as a real client would; leave it out to test CSRF.
 */
export async function uploadRequest<TData = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  files: Array<{ path: string; file: TestFile }>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query, variables }));
  form.append("map", JSON.stringify(Object.fromEntries(files.map(({ path }, index) => [String(index), [path]]))));
  for (const [index, { file }] of files.entries())
    form.append(String(index), new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
  const response = await fetch(url, { method: "POST", body: form, headers, signal: AbortSignal.timeout(60_000) });
  const body = (await response.json()) as Omit<GraphQLResponse<TData>, "status" | "headers">;
  return { status: response.status, headers: response.headers, ...body };
}
