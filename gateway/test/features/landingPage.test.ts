import { HeaderMap } from "@apollo/server";
import { createLandingPageFeature } from "../../src/features/landingPage";
import { startApollo } from "./apolloHarness";

describe("landing page feature", () => {
  it("serves Apollo Sandbox in development and nothing in production", async () => {
    const page = async (production: boolean) => {
      const { apollo } = await startApollo([createLandingPageFeature({ production })]);
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: {
          method: "GET",
          headers: new HeaderMap([["accept", "text/html"]]),
          search: "",
          body: undefined,
        },
        context: async () => ({ requestId: "r", viewer: null, subgraphHeaders: {} }),
      });
      await apollo.stop();
      return response.body.kind === "complete" ? response.body.string : "";
    };
    expect(await page(false)).toMatch(/<html/i);
    expect(await page(true)).not.toMatch(/<html/i);
  });
});
