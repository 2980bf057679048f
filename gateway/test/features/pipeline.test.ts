import { closeFeatures, type GatewayFeature } from "../../src/feature";
import { composeSubgraphFetch } from "../../src/transport/pipeline";
import type { SubgraphFetch } from "../../src/transport/subgraphRequest";
import { SubgraphResponse } from "../../src/transport/subgraphFetch";
import { subgraphRequest } from "./subgraphRequests";

describe("the builder's fold of the feature list", () => {
  it("nests subgraph-fetch wrappers with the first feature outermost, the innermost fetch last", async () => {
    const trail: string[] = [];
    const step =
      (name: string) =>
      (next: SubgraphFetch): SubgraphFetch =>
      async (request) => {
        trail.push(`${name} in`);
        const response = await next(request);
        trail.push(`${name} out`);
        return response;
      };
    const innermost: SubgraphFetch = async (request) => {
      trail.push("http");
      return new SubgraphResponse({ status: 200, statusText: "OK", headers: [], body: "{}" }, request.url);
    };
    const fetch = composeSubgraphFetch([step("identity"), step("dedupe"), step("resilience")], innermost);
    await fetch(subgraphRequest("http://catalog.invalid/graphql", /* GraphQL */ "{ a }"));
    expect(trail).toEqual([
      "identity in",
      "dedupe in",
      "resilience in",
      "http",
      "resilience out",
      "dedupe out",
      "identity out",
    ]);
  });

  it("closes features in reverse list order, each after the ones listed later", async () => {
    const closed: string[] = [];
    const feature = (name: string): GatewayFeature => ({ name, close: async () => void closed.push(name) });
    await closeFeatures([feature("telemetry"), { name: "limits" }, feature("resilience"), feature("subscriptions")]);
    expect(closed).toEqual(["subscriptions", "resilience", "telemetry"]);
  });
});
