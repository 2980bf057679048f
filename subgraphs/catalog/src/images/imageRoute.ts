import { isUuid } from "@fedplat/subgraph";
import { type RequestHandler, Router } from "express";
import type { CatalogPrisma } from "../db";
import { imageBytesOf, imageVersionOf } from "./productImage";

/** A versioned URL (?v= the image's current version) never changes content: cached for a year. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** The unversioned URL follows the newest upload. */
const CURRENT = "public, max-age=60";

/**
 * GET /images/products/:id, the bytes of a product's image (the gateway serves it on the same
 * path). Public like the rest of product data; ETag is the image's SHA-256, so a client's
 * If-None-Match gets a 304 without the bytes being read from the database.
 */
export function productImageRoute(prisma: CatalogPrisma): RequestHandler {
  const router = Router();
  router.get("/products/:id", async (req, res, next) => {
    try {
      const productId = req.params.id;
      const found = isUuid(productId)
        ? await prisma.productImage.findUnique({ where: { productId }, select: { sha256: true } })
        : null;
      if (!found) {
        res.status(404).type("text/plain").send("This product has no image");
        return;
      }
      const versioned = req.query.v === imageVersionOf(found.sha256);
      res.set({ "Cache-Control": versioned ? IMMUTABLE : CURRENT, ETag: `"${found.sha256}"` });
      if (req.fresh) {
        res.status(304).end();
        return;
      }
      const image = await imageBytesOf(prisma, productId);
      if (!image) {
        res.status(404).type("text/plain").send("This product has no image");
        return;
      }
      res.set("ETag", `"${image.sha256}"`).type(image.contentType).send(Buffer.from(image.bytes));
    } catch (error) {
      next(error);
    }
  });
  return router;
}
