import { defineSection, type UploadLimits } from "@fedplat/runtime";
import { z } from "zod";

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** File uploads (GraphQL multipart requests) on /graphql: features/uploads. */
export const uploadsSection = defineSection({
  path: "gateway.uploads",
  schema: z.object({
    maxFileBytes: count(1, 1024 ** 3)
      .default(10 * 1024 * 1024)
      .describe("Largest uploaded file, in bytes; a larger one fails with UPLOAD_TOO_LARGE (413)"),
    maxFiles: count(0, 100)
      .default(5)
      .describe("Most files in one request; more are refused with UPLOAD_TOO_MANY_FILES (413); 0 refuses every upload"),
  }),
  env: { names: { maxFileBytes: "UPLOADS_MAX_FILE_BYTES", maxFiles: "UPLOADS_MAX_FILES" } },
});

export type UploadsConfig = UploadLimits;

/** The section's defaults, for gateways built in code without them. */
export const defaultUploads: UploadsConfig = { maxFileBytes: 10 * 1024 * 1024, maxFiles: 5 };
