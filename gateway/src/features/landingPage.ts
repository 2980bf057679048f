import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import type { GatewayFeature } from "../feature";

/** Apollo Sandbox at GET /graphql in development; no landing page at all in production. */
export function createLandingPageFeature(options: { production: boolean }): GatewayFeature {
  return {
    name: "landingPage",
    apolloPlugins: [
      options.production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
    ],
  };
}
