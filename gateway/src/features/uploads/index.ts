import { multipartUploads } from "@fedplat/runtime";
import type { GatewayFeature } from "../../feature";
import type { UploadsConfig } from "./config";
import { productImageProxy } from "./productImageProxy";
import { useUploadStatus } from "./useUploadStatus";

export { defaultUploads, type UploadsConfig, uploadsSection } from "./config";

export interface UploadsFeatureOptions {
  limits: UploadsConfig;
  /** Where catalog serves product images (its /images); unset: no /images route. */
  imagesUrl?: string;
}

/**
 * File uploads (GraphQL multipart requests) on /graphql within the limits, each file streamed to
 * the subgraph that takes it (transport/multipartFetch.ts), and product images served from catalog
 * on /images. Apollo's csrfPrevention refuses a multipart request without a preflight header.
 */
export function createUploadsFeature(options: UploadsFeatureOptions): GatewayFeature {
  return {
    name: "uploads",
    middleware: [multipartUploads(options.limits)],
    apolloPlugins: [useUploadStatus()],
    ...(options.imagesUrl ? { routes: { "/images": productImageProxy(options.imagesUrl) } } : {}),
  };
}
