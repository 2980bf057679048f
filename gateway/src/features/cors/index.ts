import cors from "cors";
import type { GatewayFeature } from "../../feature";
import { originCheck } from "./corsOrigins";

export { corsSection } from "./config";

export const defaultCors: CorsOptions = { credentials: false, methods: ["GET", "POST"], maxAgeSeconds: 600 };

/** The CORS policy of /graphql, as the config section gives it. */
export interface CorsOptions {
  /** Allowed origins (see corsOrigins.ts); "*" allows any; undefined: any outside production, none in production. */
  origins?: readonly string[];
  /** @default false */
  credentials: boolean;
  /** @default ["GET", "POST"] */
  methods: readonly string[];
  /** Unset: whatever the preflight's Access-Control-Request-Headers asks for. */
  allowedHeaders?: readonly string[];
  /** @default 600 */
  maxAgeSeconds: number;
}

/**
 * CORS on /graphql with the `cors` middleware (expressjs's own). A disallowed origin gets no
 * Access-Control-Allow-* headers, so the browser keeps the answer from the page; the request
 * itself still meets Apollo's CSRF prevention, which refuses "simple" requests a page could
 * send without a preflight (text/plain bodies, GETs without a custom header). Preflights are
 * answered here (204), before any budget or credential check counts them.
 */
export function createCorsFeature(options: CorsOptions, production: boolean): GatewayFeature {
  const origins = options.origins ?? (production ? [] : ["*"]);
  // With credentials, "*" (and the development default) reflects the origin: a browser refuses a literal "*" then.
  const allowed = origins.includes("*") ? () => true : originCheck(origins);
  return {
    name: "cors",
    middleware: [
      cors({
        origin: (origin, callback) => callback(null, origin !== undefined && allowed(origin)),
        credentials: options.credentials,
        methods: [...options.methods],
        ...(options.allowedHeaders ? { allowedHeaders: [...options.allowedHeaders] } : {}),
        maxAge: options.maxAgeSeconds,
      }),
    ],
  };
}
