import { createHash } from "node:crypto";
import { sqlOf } from "@fedplat/event-store";
import { appError, badInput, ErrorCode, type FileUpload, uploadErrorStatus } from "@fedplat/runtime";
import type { CatalogTransaction } from "../audit";
import type { CatalogPrisma } from "../db";

/** The largest product image catalog stores; the gateway's own upload limit (uploads.maxFileBytes) applies first. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** An uploaded image, read whole and checked: the one image a request may hold in memory. */
export interface ProductImageFile {
  contentType: string;
  bytes: Uint8Array<ArrayBuffer>;
  sha256: string;
}

/**
 * The image type from the file's first bytes (its signature), never from the client's claim.
 * Three fixed signatures: a detection library (file-type, ESM-only) would be a dependency for this.
 */
export function imageTypeOf(head: Uint8Array): string | undefined {
  const starts = (offset: number, ...bytes: number[]) => bytes.every((byte, i) => head[offset + i] === byte);
  if (starts(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png";
  if (starts(0, 0xff, 0xd8, 0xff)) return "image/jpeg";
  // RIFF....WEBP
  if (starts(0, 0x52, 0x49, 0x46, 0x46) && starts(8, 0x57, 0x45, 0x42, 0x50)) return "image/webp";
  return undefined;
}

/**
 * Reads an uploaded file as it streams in, refusing it as soon as it is over MAX_IMAGE_BYTES
 * (UPLOAD_TOO_LARGE) or once it is complete and not a PNG, JPEG or WebP image (BAD_USER_INPUT).
 */
export async function readProductImage(upload: Promise<FileUpload>): Promise<ProductImageFile> {
  const file = await upload;
  const chunks: Buffer[] = [];
  let size = 0;
  const tooLarge = () => appError(ErrorCode.UPLOAD_TOO_LARGE, `image: must be at most ${MAX_IMAGE_BYTES} bytes`);
  try {
    for await (const chunk of file.createReadStream()) {
      size += (chunk as Buffer).length;
      if (size > MAX_IMAGE_BYTES) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    // graphql-upload ends a file over the server's limit with a 413 error.
    if (uploadErrorStatus(error) === 413) throw tooLarge();
    throw error;
  }
  const bytes = new Uint8Array(Buffer.concat(chunks, size));
  const contentType = imageTypeOf(bytes);
  if (!contentType) throw badInput("image: must be a PNG, JPEG or WebP image", "image");
  return { contentType, bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/**
 * Stores (or replaces) a product's image in the open transaction. Straight to pg, not through
 * Prisma: its query compiler takes seconds for a bytea parameter of a few MB (measured: ~12 s
 * for 5 MB), pg sends it as it is. Prisma remains the fallback for a client without a pg pool.
 */
export async function saveProductImage(tx: CatalogTransaction, productId: string, image: ProductImageFile) {
  const sql = sqlOf(tx);
  if (!sql) {
    const data = { contentType: image.contentType, bytes: image.bytes, sha256: image.sha256 };
    await tx.productImage.upsert({ where: { productId }, create: { productId, ...data }, update: data });
    return;
  }
  await sql.$executeRawUnsafe(
    `INSERT INTO catalog.product_images (product_id, content_type, bytes, sha256, updated_at)
     VALUES ($1::uuid, $2, $3, $4, now())
     ON CONFLICT (product_id) DO UPDATE
       SET content_type = EXCLUDED.content_type, bytes = EXCLUDED.bytes, sha256 = EXCLUDED.sha256, updated_at = now()`,
    productId,
    image.contentType,
    Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength),
    image.sha256,
  );
}

/** A product's stored image with its bytes (straight from pg, as saveProductImage writes), or null. */
export async function imageBytesOf(
  prisma: CatalogPrisma,
  productId: string,
): Promise<{ contentType: string; bytes: Uint8Array; sha256: string } | null> {
  const sql = sqlOf(prisma);
  if (!sql)
    return prisma.productImage.findUnique({
      where: { productId },
      select: { contentType: true, bytes: true, sha256: true },
    });
  const rows = await sql.$queryRawUnsafe<Array<{ content_type: string; bytes: Buffer; sha256: string }>>(
    "SELECT content_type, bytes, sha256 FROM catalog.product_images WHERE product_id = $1::uuid",
    productId,
  );
  const row = rows[0];
  return row ? { contentType: row.content_type, bytes: row.bytes, sha256: row.sha256 } : null;
}

/** Product.imageUrl: the gateway's path of the image, versioned by its content so it may be cached for good. */
export function imageUrlOf(productId: string, sha256: string): string {
  return `/images/products/${productId}?v=${imageVersionOf(sha256)}`;
}

/** The `v` of an image URL: the start of its SHA-256. */
export function imageVersionOf(sha256: string): string {
  return sha256.slice(0, 16);
}
