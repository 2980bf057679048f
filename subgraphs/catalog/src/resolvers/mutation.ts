import { badInput, type FileUpload, mapPrismaError, notFound } from "@fedplat/runtime";
import { isUuid } from "@fedplat/subgraph";
import { audited } from "../audit";
import type { MutationResolvers } from "../generated/resolvers";
import { readProductImage, saveProductImage } from "../images/productImage";

const MAX_PRICE_CENTS = 100_000_000;

function checkNumbers(input: { priceCents?: number | null; stock?: number | null }) {
  if (
    input.priceCents !== undefined &&
    input.priceCents !== null &&
    (input.priceCents < 0 || input.priceCents > MAX_PRICE_CENTS)
  ) {
    throw badInput(`priceCents: must be between 0 and ${MAX_PRICE_CENTS}`, "priceCents");
  }
  if (input.stock !== undefined && input.stock !== null && input.stock < 0)
    throw badInput("stock: must not be negative", "stock");
}

function text(value: string, field: string, max: number): string {
  const trimmed = value.trim();
  if (!trimmed || trimmed.length > max) throw badInput(`${field}: must be 1 to ${max} characters`, field);
  return trimmed;
}

// Who may call these: permissions.ts (admins). Each change is recorded in the audit log (audit.ts).
export const Mutation: MutationResolvers = {
  createProduct: (_parent, { input }, context) =>
    audited(
      context,
      "createProduct",
      null,
      async (tx) => {
        checkNumbers(input);
        const currency = (input.currency ?? "USD").toUpperCase();
        if (!/^[A-Z]{3}$/.test(currency)) throw badInput("currency: must be an ISO 4217 code such as USD", "currency");
        return tx.product
          .create({
            data: {
              sku: text(input.sku, "sku", 64),
              name: text(input.name, "name", 200),
              description: input.description ? text(input.description, "description", 2_000) : null,
              priceCents: input.priceCents,
              currency,
              stock: input.stock,
            },
          })
          .catch((error: unknown) => mapPrismaError(error, "A product with this SKU"));
      },
      (product) => ({
        target: product.id,
        detail: `sku ${product.sku}, ${product.priceCents} ${product.currency}, stock ${product.stock}`,
      }),
    ),

  updateProduct: (_parent, { id, input }, context) =>
    audited(
      context,
      "updateProduct",
      id.slice(0, 100),
      async (tx) => {
        if (!isUuid(id)) throw notFound("Product");
        checkNumbers(input);
        return tx.product
          .update({
            where: { id },
            data: {
              ...(input.name ? { name: text(input.name, "name", 200) } : {}),
              ...(input.description !== undefined
                ? { description: input.description ? text(input.description, "description", 2_000) : null }
                : {}),
              ...(input.priceCents !== undefined && input.priceCents !== null ? { priceCents: input.priceCents } : {}),
              ...(input.stock !== undefined && input.stock !== null ? { stock: input.stock } : {}),
            },
          })
          .catch((error: unknown) => mapPrismaError(error, "Product"));
      },
      () => ({
        detail: `set ${Object.entries(input)
          .filter(([, value]) => value !== undefined && value !== null)
          .map(([field]) => field)
          .join(", ")}`,
      }),
    ),

  // The file is read (and checked) before the transaction opens: no transaction waits on a client's upload.
  uploadProductImage: async (_parent, { productId, image }, context) => {
    if (!isUuid(productId)) throw notFound("Product");
    // The Upload scalar (graphql-upload) parses a file variable to a promise of the file.
    const file = await readProductImage(image as Promise<FileUpload>);
    return audited(
      context,
      "uploadProductImage",
      productId,
      async (tx) => {
        const product = await tx.product.findUnique({ where: { id: productId } });
        if (!product) throw notFound("Product");
        await saveProductImage(tx, productId, file);
        return product;
      },
      () => ({ detail: `${file.contentType}, ${file.bytes.length} bytes, sha256 ${file.sha256.slice(0, 16)}` }),
    );
  },
};
