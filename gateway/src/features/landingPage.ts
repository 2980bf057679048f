import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import type { GatewayContext } from "../context";
import type { GatewayFeature } from "../feature";
import { createExplorerRouter } from "./explorer/explorerRouter";

/**
 * Added to Sandbox's page: a link to the bundled explorer in its offline notice, and a script of
 * this origin (its CSP allows 'self') that opens the explorer when Sandbox's CDN script did not load.
 */
const OFFLINE_NOTICE = "it appears that you might be offline.</p>";
const withExplorerFallback = (html: string) =>
  html
    .replace(
      OFFLINE_NOTICE,
      `${OFFLINE_NOTICE}\n  <p><a href="/graphiql">Open GraphiQL</a>, served by this gateway: it works offline.</p>`,
    )
    .replace("</body>", '  <script src="/graphiql/assets/sandbox-fallback.js"></script>\n  </body>');

/** Apollo's local landing page (Sandbox), with the bundled explorer as its fallback. */
function sandboxWithFallback(): ApolloServerPlugin<GatewayContext> {
  const sandbox = ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false });
  return {
    async serverWillStart(service) {
      const listener = await sandbox.serverWillStart?.(service);
      const render = listener?.renderLandingPage;
      if (!render) throw new Error("Apollo's landing page plugin rendered no page");
      return {
        ...listener,
        async renderLandingPage() {
          const { html } = await render();
          return {
            html:
              typeof html === "string" ? withExplorerFallback(html) : async () => withExplorerFallback(await html()),
          };
        },
      };
    },
  };
}

/**
 * Development: Apollo Sandbox at GET /graphql (from Apollo's CDN) and GraphiQL at /graphiql (from
 * node_modules, no CDN), which the Sandbox page falls back to offline. Production: neither
 * (introspection is off there too).
 */
export function createLandingPageFeature(options: { production: boolean }): GatewayFeature {
  if (options.production) return { name: "landingPage", apolloPlugins: [ApolloServerPluginLandingPageDisabled()] };
  return {
    name: "landingPage",
    apolloPlugins: [sandboxWithFallback()],
    routes: { "/graphiql": createExplorerRouter() },
  };
}
