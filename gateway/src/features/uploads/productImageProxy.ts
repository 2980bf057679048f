import { pipeline } from "node:stream/promises";
import type { RequestHandler } from "express";
import { request } from "undici";

const IMAGE_PATH = /^\/products\/([0-9a-fA-F-]{36})$/;
const VERSION = /^[0-9a-f]{1,64}$/;
/** The answer's headers a browser or CDN needs to cache the image. */
const PASSED = ["content-type", "content-length", "cache-control", "etag"] as const;

/**
 * GET /images/products/:id[?v=] on the gateway: catalog's image route (subgraphs/catalog
 * images/imageRoute.ts), streamed through. Only a product id and a version reach catalog, so no
 * other path of it can be asked for; If-None-Match is passed on for a 304.
 */
export function productImageProxy(imagesUrl: string): RequestHandler {
  return async (req, res, next) => {
    const match = IMAGE_PATH.exec(req.path);
    if ((req.method !== "GET" && req.method !== "HEAD") || !match?.[1]) {
      res.status(404).type("text/plain").send("Not found");
      return;
    }
    const target = new URL(`${imagesUrl}/products/${match[1].toLowerCase()}`);
    const version = req.query.v;
    if (typeof version === "string" && VERSION.test(version)) target.searchParams.set("v", version);
    try {
      const ifNoneMatch = req.header("if-none-match");
      const answer = await request(target, {
        method: req.method,
        headers: ifNoneMatch ? { "if-none-match": ifNoneMatch } : {},
      });
      res.status(answer.statusCode);
      for (const name of PASSED) {
        const value = answer.headers[name];
        if (typeof value === "string") res.setHeader(name, value);
      }
      await pipeline(answer.body, res);
    } catch (error) {
      if (res.headersSent) res.destroy(error as Error);
      else next(error);
    }
  };
}
