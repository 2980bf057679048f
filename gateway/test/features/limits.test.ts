import { createLimitsFeature } from "../../src/features/limits";
import { defaultLimits } from "../../src/limits";
import { singleResult, startApollo } from "./apolloHarness";
import { serveFeatures } from "./httpHarness";

const feature = createLimitsFeature({
  query: { ...defaultLimits.query, maxDepth: 3, maxAliases: 2 },
  request: { ...defaultLimits.request, maxTokens: 50 },
});

describe("limits feature", () => {
  it("refuses a request's shape on the JSON body before any GraphQL is parsed (batch, tokens, variables)", async () => {
    const harness = await serveFeatures([feature]);
    const batch = await harness.post([{ query: /* GraphQL */ "{ hello }" }, { query: /* GraphQL */ "{ hello }" }]);
    expect([batch.status, batch.body.errors?.[0]?.extensions?.code]).toEqual([400, "BATCH_LIMIT_EXCEEDED"]);
    const long = await harness.post({ query: `{ ${"hello ".repeat(60)}}` });
    expect([long.status, long.body.errors?.[0]?.extensions?.code]).toEqual([400, "QUERY_TOO_LARGE"]);
    const deep = await harness.post({
      query: /* GraphQL */ "{ hello }",
      variables: { a: JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`) },
    });
    expect([deep.status, deep.body.errors?.[0]?.extensions?.code]).toEqual([400, "VARIABLES_TOO_DEEP"]);
    expect((await harness.post({ query: /* GraphQL */ "{ hello }" })).status).toBe(200);
    await harness.close();
  });

  it("refuses depth and aliases beyond the limits during validation, before anything runs", async () => {
    const { run, apollo } = await startApollo([feature]);
    const deep = singleResult(await run(/* GraphQL */ "{ node { child { child { child { id } } } } }"));
    expect(deep.errors?.[0]).toMatchObject({ extensions: { code: "GRAPHQL_VALIDATION_FAILED" } });
    expect(deep.errors?.[0]?.message).toMatch(/depth/i);
    const aliases = singleResult(await run(/* GraphQL */ "{ a: hello b: hello c: hello }"));
    expect(aliases.errors?.[0]?.message).toMatch(/aliases/i);
    expect(singleResult(await run(/* GraphQL */ "{ node { child { id } } }")).errors).toBeUndefined();
    await apollo.stop();
  });

  it("answers an operationName that names no operation with 400 BAD_REQUEST", async () => {
    const { run, apollo } = await startApollo([feature]);
    const response = await run(/* GraphQL */ "query A { hello } query B { hello }", {}, { operationName: "C" });
    expect(response.http.status).toBe(400);
    expect(singleResult(response).errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
    await apollo.stop();
  });
});
