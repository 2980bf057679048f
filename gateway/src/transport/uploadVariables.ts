import { isUpload, type Upload } from "@fedplat/runtime";

/** A client's file that a subgraph fetch carries, at its place in the fetch's variables ("variables.image"). */
export interface UploadPart {
  path: string;
  upload: Upload;
}

/** Whether a file is anywhere in `value`: a walk that allocates nothing. */
export function containsUpload(value: unknown): boolean {
  if (isUpload(value)) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (containsUpload(item)) return true;
    return false;
  }
  if (typeof value === "object" && value !== null) {
    for (const key in value) if (containsUpload((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/**
 * Takes the files out of a subgraph fetch's variables: the variables with null in place of each
 * file (as a GraphQL multipart request sends them) and the files by path. Objects are copied only
 * along the way to a file; the client's variables are left as they were.
 */
export function takeUploads(variables: Record<string, unknown> | undefined): {
  variables: Record<string, unknown> | undefined;
  uploads: UploadPart[];
} {
  const uploads: UploadPart[] = [];
  // Most fetches carry no file: no walk that copies every object (an entity fetch's representations).
  if (!containsUpload(variables)) return { variables, uploads };
  const walk = (value: unknown, path: string): unknown => {
    if (isUpload(value)) {
      uploads.push({ path, upload: value });
      return null;
    }
    if (Array.isArray(value)) {
      const before = uploads.length;
      const copy = value.map((item, index) => walk(item, `${path}.${index}`));
      return uploads.length > before ? copy : value;
    }
    if (typeof value === "object" && value !== null) {
      const before = uploads.length;
      const copy = Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, `${path}.${key}`)]));
      return uploads.length > before ? copy : value;
    }
    return value;
  };
  if (!variables) return { variables, uploads };
  const taken = walk(variables, "variables") as Record<string, unknown>;
  return { variables: taken, uploads };
}
