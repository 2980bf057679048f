import express, { type Router } from "express";
import { explorerAssets } from "./explorerAssets";

/**
 * Nothing but this origin: every script, style and connection is the gateway's own (graphql-ws
 * included). GraphiQL's editors set inline styles, hence 'unsafe-inline' for styles only.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width,initial-scale=1" />
    <title>GraphiQL · fedplat gateway</title>
    <link rel="stylesheet" href="/graphiql/assets/graphiql.min.css" />
    <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script src="/graphiql/assets/react.production.min.js"></script>
    <script src="/graphiql/assets/react-dom.production.min.js"></script>
    <script src="/graphiql/assets/graphql-ws.min.js"></script>
    <script src="/graphiql/assets/graphiql.min.js"></script>
    <script src="/graphiql/assets/explorer.js"></script>
  </body>
</html>
`;

/**
 * GraphiQL at /graphiql, served from this process only (works with no internet access): the page,
 * then the closed list of browser files in explorerAssets. Mounted in development, like Sandbox.
 */
export function createExplorerRouter(): Router {
  const assets = explorerAssets();
  const router = express.Router();
  router.get("/", (_req, res) => {
    res.set("content-security-policy", CONTENT_SECURITY_POLICY).type("html").send(PAGE);
  });
  router.get("/assets/:name", (req, res, next) => {
    const file = Object.hasOwn(assets, req.params.name) ? assets[req.params.name] : undefined;
    if (!file) {
      res.status(404).type("text").send("Not found");
      return;
    }
    res.set("cache-control", "no-cache").sendFile(file, (error) => error && next(error));
  });
  return router;
}
